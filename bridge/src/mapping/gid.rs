//! Entity gids as rmw_zenoh derives them: XXH3-128 (seed 0) of the entity's liveliness token key
//! expression, stored as the hash's low 64 bits then its high 64 bits, each little-endian.

use xxhash_rust::xxh3::xxh3_128;

/// The 16-byte gid of the entity whose token key is `key`.
pub fn gid_of_key(key: &str) -> [u8; 16] {
    let h = xxh3_128(key.as_bytes());
    let mut gid = [0u8; 16];
    gid[..8].copy_from_slice(&(h as u64).to_le_bytes());
    gid[8..].copy_from_slice(&((h >> 64) as u64).to_le_bytes());
    gid
}

/// A 16-byte rmw_zenoh gid as hazcat's 24-byte gid (rmw uses the first 16 bytes).
pub fn hazcat_gid(gid: &[u8; 16]) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[..16].copy_from_slice(gid);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_chatter_gid() {
        let key = "@ros2_lv/144/45c9ba3c679e6668727ba25f1bf4c0ef/0/11/MP/%/%/talker/%chatter/std_msgs::msg::dds_::String_/RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18/::,7:,:,:,,";
        let expected = [
            0xb5, 0x93, 0x2c, 0x37, 0x9c, 0xf1, 0xe9, 0x07, 0xd4, 0x86, 0xe3, 0x71, 0x2b, 0x11,
            0xaa, 0xc9,
        ];
        assert_eq!(gid_of_key(key), expected);
        assert_eq!(&hazcat_gid(&expected)[..16], &expected);
        assert_eq!(&hazcat_gid(&expected)[16..], &[0u8; 8]);
    }
}
