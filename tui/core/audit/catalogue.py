"""The checks netdock runs: each one's id, CIS id, and its general why and fix."""

from __future__ import annotations

from tui.core.audit.finding import Rule, Scope

ICC_DEFAULT = Rule(
    "ND-ICC-DEFAULT",
    "2.2",
    "Inter-container communication is enabled on the default bridge",
    Scope.NETWORK,
    "Every container on docker0 can reach every port of every other one, so one compromised "
    "container can probe and attack all its neighbours (the daemon's default, --icc=true).",
    'Start dockerd with --icc=false, or set "icc": false in /etc/docker/daemon.json; '
    "containers that must talk then share a user network.",
    "{n} network{s} whose containers reach each other on every port",
)
ICC_USER = Rule(
    "ND-ICC-USER-BRIDGE",
    None,
    "Inter-container communication is enabled on a user bridge network",
    Scope.NETWORK,
    "Containers on this network reach each other on every port; the daemon's --icc does not "
    "apply to user networks, and Docker Bench (CIS 2.2) looks only at the default bridge.",
    "Create the network with -o com.docker.network.bridge.enable_icc=false (compose: "
    'driver_opts: {com.docker.network.bridge.enable_icc: "false"}), or split it so that only '
    "containers that must talk share one.",
    "{n} user network{s} whose containers reach each other on every port",
)
IPTABLES_OFF = Rule(
    "ND-IPTABLES-OFF",
    "2.4",
    "Docker may not manage iptables",
    Scope.DAEMON,
    "With --iptables=false the daemon writes no isolation or NAT rules: networks are not "
    "isolated from each other, icc=false cannot be enforced, and published ports depend on "
    "rules kept by hand.",
    'Remove --iptables=false from dockerd\'s command line, or "iptables": false from '
    "/etc/docker/daemon.json (the default is true).",
    "dockerd runs with --iptables=false",
)
IP_FORWARD_OFF = Rule(
    "ND-IP-FORWARD-OFF",
    None,
    "IPv4 forwarding is off while containers publish ports",
    Scope.CONTAINER,
    "With net.ipv4.ip_forward=0 the kernel drops packets routed to the container networks: "
    "other hosts cannot reach the published ports, and containers cannot reach out.",
    "sysctl -w net.ipv4.ip_forward=1 (persist it in /etc/sysctl.d/), or let dockerd set it "
    "(--ip-forward=true, the default); firewall the FORWARD chain instead.",
    "{n} container{s} publishing ports while IPv4 forwarding is off",
)
API_PLAIN_TCP = Rule(
    "ND-API-TCP-NO-TLS",
    "2.7",
    "The Docker API is served on TCP without TLS",
    Scope.DAEMON,
    "Anyone who can reach the port controls the engine, and through it the host, as root: "
    "no credentials, one request that starts a privileged container.",
    "Serve the API on the unix socket only, or add --tlsverify --tlscacert --tlscert "
    '--tlskey (daemon.json: "tls": true, "tlsverify": true and the file paths).',
    "the API served without TLS on {n} TCP address{es}",
)
API_NO_VERIFY = Rule(
    "ND-API-TLS-NO-VERIFY",
    "2.7",
    "The Docker API is served on TCP with TLS but without client verification",
    Scope.DAEMON,
    "The traffic is encrypted but any client is accepted: anyone who can reach the port "
    "controls the engine as root.",
    'Add --tlsverify and --tlscacert (daemon.json: "tlsverify": true, "tlscacert": ...) so '
    "only clients with a certificate from your CA are let in.",
    "the API served without client verification on {n} TCP address{es}",
)
USERLAND_PROXY = Rule(
    "ND-USERLAND-PROXY",
    "2.16",
    "The userland proxy is enabled",
    Scope.DAEMON,
    "Every published port runs a docker-proxy process on the host, more code listening on the "
    "network; hairpin NAT in the kernel does the same job.",
    'Start dockerd with --userland-proxy=false, or set "userland-proxy": false in '
    "/etc/docker/daemon.json.",
    "dockerd runs docker-proxy for published ports",
)
CAP_ADD = Rule(
    "ND-CAP-ADD",
    "5.4",
    "Network-relevant capabilities are added",
    Scope.CONTAINER,
    "NET_ADMIN lets the container reconfigure interfaces, routes and firewall rules of its "
    "namespace (the host's, in host mode); SYS_ADMIN is close to root on the host; NET_RAW "
    "allows raw sockets, ARP and DNS spoofing of neighbours.",
    "Remove the --cap-add (compose: cap_add) or narrow it; drop what the process does not "
    "need: --cap-drop ALL, then add back only what it must have.",
    "{n} container{s} adding network capabilities",
)
PRIVILEGED = Rule(
    "ND-PRIVILEGED",
    "5.5",
    "Privileged container",
    Scope.CONTAINER,
    "A privileged container has every capability and every host device: escaping to the "
    "host is trivial, and it can rewrite the host's network.",
    "Drop --privileged (compose: privileged: true); give the few capabilities or devices it "
    "needs with --cap-add and --device.",
    "{n} privileged container{s}",
)
PRIVILEGED_PORT = Rule(
    "ND-PORT-PRIVILEGED",
    "5.8",
    "Privileged host port mapped",
    Scope.CONTAINER,
    "Ports below 1024 are reserved for system services; a container on one may impersonate "
    "or shadow such a service (SSH, DNS, HTTP) on the host.",
    'Publish on a host port of 1024 or more: -p 8080:80 (compose: ports: ["8080:80"]).',
    "{n} container{s} publishing a host port below 1024",
)
ALL_INTERFACES = Rule(
    "ND-PORT-ALL-INTERFACES",
    "5.14",
    "Port published on all host interfaces",
    Scope.CONTAINER,
    "A binding on 0.0.0.0 or :: takes traffic from every network the host is on, and Docker's "
    "NAT rules bypass host firewalls such as ufw; Docker Bench misses the IPv6 :: bindings.",
    'Bind to one address: -p 127.0.0.1:8080:80 (compose: ports: ["127.0.0.1:8080:80"]), or '
    "set the network's default with -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 "
    "(dockerd --ip for the default bridge).",
    "{n} container{s} open on all host interfaces",
)
HOST_NETWORK = Rule(
    "ND-NET-HOST",
    "5.10",
    "The host's network namespace is shared",
    Scope.CONTAINER,
    "In host mode the container has the host's interfaces and addresses: every port it opens "
    "is open on the host, with no isolation and no port mapping in between.",
    "Use a bridge network and publish only the ports needed (remove --network host / "
    "network_mode: host).",
    "{n} container{s} on the host's network",
)
HOST_PID = Rule(
    "ND-PID-HOST",
    "5.16",
    "The host's process namespace is shared",
    Scope.CONTAINER,
    "The container sees every process on the host and, with enough privilege, can signal or "
    "trace them.",
    "Remove --pid=host (compose: pid: host).",
    "{n} container{s} sharing the host's process namespace",
)
HOST_IPC = Rule(
    "ND-IPC-HOST",
    "5.17",
    "The host's IPC namespace is shared",
    Scope.CONTAINER,
    "The container can read and write the host's shared memory segments and semaphores.",
    "Remove --ipc=host (compose: ipc: host).",
    "{n} container{s} sharing the host's IPC namespace",
)
HOST_UTS = Rule(
    "ND-UTS-HOST",
    "5.21",
    "The host's UTS namespace is shared",
    Scope.CONTAINER,
    "The container can change the host's hostname and domain name.",
    "Remove --uts=host (compose: uts: host).",
    "{n} container{s} sharing the host's UTS namespace",
)
DEFAULT_BRIDGE_USED = Rule(
    "ND-DEFAULT-BRIDGE",
    "5.30",
    'Docker\'s default bridge "docker0" is used',
    Scope.CONTAINER,
    "On the default bridge containers get no DNS names and every container on the host "
    "shares one segment, which icc leaves open between them.",
    "Attach the container to a user-defined network: docker network create app, then "
    "--network app (compose does this for you).",
    "{n} container{s} on the default bridge",
)
DOCKER_SOCKET = Rule(
    "ND-DOCKER-SOCKET",
    "5.32",
    "The Docker socket is mounted into a container",
    Scope.CONTAINER,
    "Whoever is in the container controls the engine, and so the host, as root.",
    "Remove the -v /var/run/docker.sock mount; when a tool needs the API, give it a "
    "filtering proxy that allows only the calls it makes.",
    "{n} container{s} holding the Docker socket",
)
OVERLAY_PLAIN = Rule(
    "ND-OVERLAY-UNENCRYPTED",
    "7.3",
    "Overlay network without encryption",
    Scope.NETWORK,
    "Traffic between containers on different hosts crosses the wire in clear VXLAN.",
    'Create the network with --opt encrypted (compose: driver_opts: {encrypted: ""}).',
    "{n} overlay network{s} without encryption",
)
NETNS_INHERITED = Rule(
    "ND-NETNS-INHERITED",
    None,
    "Joins the network namespace of an exposed container",
    Scope.CONTAINER,
    "In container mode a container has the network of the one it joins: the host's own, when "
    "that one is in host mode; one a privileged container controls, when it is privileged.",
    "Join a container that is neither in host mode nor privileged, or give this one its own "
    "network.",
    "{n} container{s} joining an exposed container's network",
)
MULTI_HOMED = Rule(
    "ND-MULTI-HOMED",
    None,
    "Container bridges separate networks",
    Scope.CONTAINER,
    "Docker isolates networks from each other; a container attached to several can relay "
    "between them, so a compromise on one side reaches the other.",
    "Attach it only to the networks it must serve (docker network disconnect NET NAME), and "
    "keep internal networks (--internal) reachable through one audited gateway at most.",
    "{n} container{s} bridging separate networks",
)

ACCEPT_STALE = Rule(
    "ND-ACCEPT-STALE",
    None,
    "An accepted risk matches nothing",
    Scope.CONFIG,
    "An [audit] accept entry that no finding matches documents nothing any more: what it "
    "named is gone or renamed. Left in place, it silently accepts whatever comes to match it "
    "later, a new container of the same name for one.",
    "Remove the entry from the config file, or correct its check id or subjects.",
    "{n} accept entr{ies} matching nothing",
)

RULES: tuple[Rule, ...] = (
    ICC_DEFAULT,
    ICC_USER,
    IPTABLES_OFF,
    IP_FORWARD_OFF,
    API_PLAIN_TCP,
    API_NO_VERIFY,
    USERLAND_PROXY,
    CAP_ADD,
    PRIVILEGED,
    PRIVILEGED_PORT,
    ALL_INTERFACES,
    HOST_NETWORK,
    HOST_PID,
    HOST_IPC,
    HOST_UTS,
    DEFAULT_BRIDGE_USED,
    DOCKER_SOCKET,
    OVERLAY_PLAIN,
    NETNS_INHERITED,
    MULTI_HOMED,
    ACCEPT_STALE,
)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
