//! The unit a per-address counter is kept for (S31, S43).

use std::net::IpAddr;

/// The address a counter is kept for: an IPv4 address itself, an IPv6 address by its
/// /64 prefix, the block one host or one customer line is given, so a host cannot get a
/// fresh budget by rotating addresses within its own network. An IPv4-mapped IPv6
/// address counts as its IPv4 address.
pub fn address_block(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(ip: &str) -> String {
        address_block(ip.parse().expect("an address"))
    }

    #[test]
    fn addresses_are_counted_by_block() {
        assert_eq!(block("198.51.100.7"), "198.51.100.7");
        assert_eq!(block("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(block("2001:db8:1:2:bbbb::9"), block("2001:db8:1:2:aaaa::1"));
        assert_ne!(block("2001:db8:1:3::1"), block("2001:db8:1:2::1"));
        assert_eq!(block("::ffff:198.51.100.7"), "198.51.100.7");
    }
}
