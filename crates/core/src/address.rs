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

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`) or one address
/// (`192.0.2.10`), as `internal_networks` and `trusted_proxies` take them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network(ipnet::IpNet);

impl Network {
    /// Parses `10.0.0.0/8` or a single address.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(net) = text.parse::<ipnet::IpNet>() {
            return Ok(Network(net.trunc()));
        }
        text.parse::<IpAddr>()
            .map(|ip| Network(ipnet::IpNet::from(ip)))
            .map_err(|_| format!("{text:?} is neither an address nor a network like 10.0.0.0/8"))
    }

    /// Whether `ip` is in it; an IPv4-mapped IPv6 address counts as its IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.0.contains(&ip)
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> serde::Deserialize<'de> for Network {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Network::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Whether `ip` is in any of `networks`.
pub fn in_networks(ip: IpAddr, networks: &[Network]) -> bool {
    networks.iter().any(|n| n.contains(ip))
}

#[cfg(test)]
mod network_tests {
    use super::*;

    #[test]
    fn networks_and_single_addresses() {
        let net = Network::parse("10.0.0.0/8").expect("cidr");
        assert!(net.contains("10.20.30.40".parse().expect("ip")));
        assert!(net.contains("::ffff:10.1.1.1".parse().expect("ip")));
        assert!(!net.contains("11.0.0.1".parse().expect("ip")));
        let one = Network::parse("192.0.2.10").expect("address");
        assert!(one.contains("192.0.2.10".parse().expect("ip")));
        assert!(!one.contains("192.0.2.11".parse().expect("ip")));
        let v6 = Network::parse("2001:db8::/32").expect("v6");
        assert!(v6.contains("2001:db8:1::5".parse().expect("ip")));
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("kommunen").is_err());
    }
}
