// C ABI over the few C++ standard-library objects that rosidl C++ messages contain and that the
// introspection type support gives no accessor for: std::string, std::u16string and
// std::vector<bool> (bit-packed). Used by rmw_hazcat/src/typesupport/cpp_shim.rs.
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
