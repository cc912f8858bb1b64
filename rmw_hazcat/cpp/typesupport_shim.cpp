// C ABI over the few C++ standard-library objects that rosidl C++ messages contain and that the
// introspection type support gives no accessor for: std::string, std::u16string and
// std::vector<bool> (bit-packed), and reserving std::vector<T> of the other primitives. Used by
// rmw_hazcat/src/typesupport/cpp_shim.rs.
//
// Messages generated with the default allocator (std::allocator<void>) are assumed, as in every
// rclcpp/rosidl-generated type. rosidl_runtime_cpp::BoundedVector<bool, N> derives (first and only
// base, no virtuals) from std::vector<bool>, so the same functions apply to bounded sequences; the
// caller checks the bound. No exception crosses the C boundary.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {

size_t hazcat_ts_cpp_string_sizeof(void) { return sizeof(std::string); }

size_t hazcat_ts_cpp_u16string_sizeof(void) { return sizeof(std::u16string); }

const char * hazcat_ts_cpp_string_get(const void * s, size_t * len)
{
  const auto * str = static_cast<const std::string *>(s);
  *len = str->size();
  return str->data();
}

bool hazcat_ts_cpp_string_set(void * s, const char * data, size_t len) noexcept
{
  try {
    static_cast<std::string *>(s)->assign(data, len);
    return true;
  } catch (...) {
    return false;
  }
}

const uint16_t * hazcat_ts_cpp_u16string_get(const void * s, size_t * len)
{
  const auto * str = static_cast<const std::u16string *>(s);
  *len = str->size();
  static_assert(sizeof(char16_t) == sizeof(uint16_t), "char16_t is 16 bits");
  return reinterpret_cast<const uint16_t *>(str->data());
}

bool hazcat_ts_cpp_u16string_set(void * s, const uint16_t * data, size_t len) noexcept
{
  try {
    static_cast<std::u16string *>(s)->assign(reinterpret_cast<const char16_t *>(data), len);
    return true;
  } catch (...) {
    return false;
  }
}

size_t hazcat_ts_cpp_bool_vector_len(const void * v)
{
  return static_cast<const std::vector<bool> *>(v)->size();
}

void hazcat_ts_cpp_bool_vector_read(const void * v, uint8_t * out, size_t n)
{
  const auto * vec = static_cast<const std::vector<bool> *>(v);
  for (size_t i = 0; i < n && i < vec->size(); ++i) {
    out[i] = (*vec)[i] ? 1 : 0;
  }
}

bool hazcat_ts_cpp_bool_vector_assign(void * v, const uint8_t * in, size_t n) noexcept
{
  try {
    auto * vec = static_cast<std::vector<bool> *>(v);
    vec->resize(n);
    for (size_t i = 0; i < n; ++i) {
      (*vec)[i] = in[i] != 0;
    }
    return true;
  } catch (...) {
    return false;
  }
}

}  // extern "C"

namespace
{
// Primitive element kinds of hazcat_ts_cpp_vector_reserve: the C++ types rosidl_generator_cpp
// uses for them (byte and char are both unsigned char; wchar is char16_t).
enum : int
{
  HAZCAT_U8 = 1, HAZCAT_I8, HAZCAT_U16, HAZCAT_I16, HAZCAT_U32, HAZCAT_I32, HAZCAT_U64,
  HAZCAT_I64, HAZCAT_F32, HAZCAT_F64, HAZCAT_F128, HAZCAT_WCHAR,
};

template<typename T>
void * reserve(void * v, size_t n)
{
  auto * vec = static_cast<std::vector<T> *>(v);
  if (vec->capacity() >= n) {
    return nullptr;
  }
  vec->reserve(n);
  return vec->data();
}
}  // namespace

extern "C" {

// Gives an unbounded sequence (std::vector<T>, T per `kind`) room for `n` elements before the
// caller resizes it. Returns the new buffer when one was allocated (its elements from size() on are
// not yet written), NULL when the capacity already sufficed, the kind is unknown or allocation
// failed (the resize that follows reports that).
void * hazcat_ts_cpp_vector_reserve(void * v, int kind, size_t n) noexcept
{
  try {
    switch (kind) {
      case HAZCAT_U8: return reserve<unsigned char>(v, n);
      case HAZCAT_I8: return reserve<int8_t>(v, n);
      case HAZCAT_U16: return reserve<uint16_t>(v, n);
      case HAZCAT_I16: return reserve<int16_t>(v, n);
      case HAZCAT_U32: return reserve<uint32_t>(v, n);
      case HAZCAT_I32: return reserve<int32_t>(v, n);
      case HAZCAT_U64: return reserve<uint64_t>(v, n);
      case HAZCAT_I64: return reserve<int64_t>(v, n);
      case HAZCAT_F32: return reserve<float>(v, n);
      case HAZCAT_F64: return reserve<double>(v, n);
      case HAZCAT_F128: return reserve<long double>(v, n);
      case HAZCAT_WCHAR: return reserve<char16_t>(v, n);
      default: return nullptr;
    }
  } catch (...) {
    return nullptr;
  }
}

}  // extern "C"
