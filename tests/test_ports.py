"""Port collisions on hand-made states: each kind, and the look-alikes that are clean."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from port_states import bound, created, proxy, published, running, state, wants

from tui.core.model import Listener
from tui.core.ports import (
    Conflict,
    Kind,
    Owner,
    addresses_overlap,
    blocking,
    conflicted_container_ids,
    conflicts_of_binding,
    conflicts_of_listener,
    find_conflicts,
    listener_rows,
    next_free_port,
    normalize_address,
    port_bindings,
    ports_document,
)


def only(conflicts: tuple[Conflict, ...]) -> Conflict:
    assert len(conflicts) == 1, conflicts
    return conflicts[0]


# Each kind ------------------------------------------------------------------------


def test_held_by_a_running_container_quotes_the_allocator() -> None:
    holder = running("web-1", *published(9090))
    waiting = created("web-2", wants(9090))
    found = only(find_conflicts(state(holder, waiting, listeners=[proxy(9090)])))
    assert found.kind == Kind.HELD
    assert (found.proto, found.host_port, found.host_ips) == ("tcp", 9090, ("0.0.0.0",))
    assert found.containers == ("web-1", "web-2")
    assert found.container_ids == (holder.id, waiting.id)
    assert found.processes == ()
    assert found.message.startswith("Starting web-2 will fail: web-1 already holds")
    assert '"Bind for 0.0.0.0:9090 failed: port is already allocated"' in found.message


def test_wildcard_wanted_over_a_specific_binding_quotes_the_proxy() -> None:
    holder = running("local", bound(8080, "127.0.0.1"))
    waiting = created("public", wants(8080))
    found = only(find_conflicts(state(holder, waiting)))
    assert found.kind == Kind.WILDCARD_OVERLAP
    assert found.host_ips == ("0.0.0.0", "127.0.0.1")
    assert found.containers == ("local", "public")
    assert (
        '"Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use"'
        in found.message
    )


def test_specific_wanted_under_a_running_wildcard() -> None:
    holder = running("public", *published(8080))
    waiting = created("local", wants(8080, "127.0.0.1"))
    found = only(find_conflicts(state(holder, waiting)))
    assert found.kind == Kind.WILDCARD_OVERLAP
    assert "listen tcp4 127.0.0.1:8080" in found.message


def test_host_process_on_a_specific_address_is_a_wildcard_overlap() -> None:
    waiting = created("web", wants(7070))
    listener = Listener("tcp", "127.0.0.1", 7070, 4242, "python3")
    found = only(find_conflicts(state(waiting, listeners=[listener])))
    assert found.kind == Kind.WILDCARD_OVERLAP
    assert found.processes == ("python3 (pid 4242)",)
    assert found.containers == ("web",)
    assert "process python3 (pid 4242) already holds 127.0.0.1:7070/tcp" in found.message


def test_host_process_on_the_same_address() -> None:
    waiting = created("web", wants(7070))
    found = only(
        find_conflicts(state(waiting, listeners=[Listener("tcp", "0.0.0.0", 7070, 7, "nginx")]))
    )
    assert found.kind == Kind.HOST_PROCESS
    assert found.processes == ("nginx (pid 7)",)
    assert "listen tcp4 0.0.0.0:7070: bind: address already in use" in found.message


def test_dual_stack_host_process_takes_ipv4_too() -> None:
    waiting = created("web", wants(7070))
    listener = Listener("tcp", "::", 7070, 7, "java")
    assert only(find_conflicts(state(waiting, listeners=[listener]))).kind == Kind.HOST_PROCESS


def test_ipv6_only_host_process_beside_an_ipv4_wildcard_leaves_ipv4_to_the_other() -> None:
    # Two host sockets on 0.0.0.0 and :: can only coexist when the :: one is v6-only.
    waiting = created("web", wants(7070, "127.0.0.1"))
    listeners = [Listener("tcp", "::", 7070, 7, "a"), Listener("tcp", "10.0.0.5", 7070, 8, "b")]
    assert find_conflicts(state(waiting, listeners=listeners))[0].processes == ("a (pid 7)",)
    listeners.append(Listener("tcp", "0.0.0.0", 7070, 9, "c"))
    found = only(find_conflicts(state(waiting, listeners=listeners)))
    assert found.processes == ("c (pid 9)",)


def test_host_mode_container_listening_on_a_wanted_port() -> None:
    hosted = running("hosted", mode="host")
    waiting = created("web", wants(8088))
    listener = Listener("tcp", "::", 8088, 55, "httpd", container_id=hosted.id)
    found = only(find_conflicts(state(hosted, waiting, listeners=[listener])))
    assert found.kind == Kind.HOST_MODE
    assert found.containers == ("hosted", "web")
    assert found.processes == ()
    assert "host-mode container hosted already holds [::]:8088/tcp" in found.message


def test_same_intent_of_two_stopped_containers() -> None:
    a, b, c = created("a", wants(5432)), created("b", wants(5432)), created("c", wants(5432))
    found = only(find_conflicts(state(a, b, c)))
    assert found.kind == Kind.SAME_INTENT
    assert found.containers == ("a", "b", "c")
    assert "only one can start" in found.message


def test_fixed_port_in_the_dynamic_range_is_a_warning() -> None:
    web = running("web", *published(40000))
    found = only(find_conflicts(state(web)))
    assert found.kind == Kind.IN_DYNAMIC_RANGE and found.warning
    assert found.host_ips == ("0.0.0.0", "::")
    assert "32768-60999" in found.message
    assert blocking((found,)) == ()
    assert conflicted_container_ids((found,)) == set()
    assert conflicted_container_ids((found,), warnings=True) == {web.id}


# Clean look-alikes -----------------------------------------------------------------------


def test_many_dynamic_containers_with_their_proxies_are_clean() -> None:
    containers, listeners = [], []
    for i in range(50):
        port = 32768 + 2 * i
        containers.append(running(f"p{i}", *published(port, dynamic=True)))
        listeners += [proxy(port, pid=1000 + i), proxy(port, "::", pid=2000 + i)]
    containers.append(created("later", wants(None), wants(None, "127.0.0.1")))
    assert find_conflicts(state(*containers, listeners=listeners)) == ()


def test_many_stopped_containers_wanting_a_held_port() -> None:
    # 250 exited `-p 8080` containers beside the one running: two findings, every party named.
    old = [created(f"old-{i:03}", wants(8080)) for i in range(250)]
    web = running("web", *published(8080))
    s = state(*reversed(old), web, listeners=[proxy(8080), proxy(8080, "::")])
    held, same = find_conflicts(s)
    names = tuple(c.name for c in old)
    assert (held.kind, held.containers, held.processes) == ("held", (*names, "web"), ())
    assert held.host_ips == ("0.0.0.0",)
    assert held.message.startswith("Starting old-000, old-001, old-002, ")
    assert held.message.endswith(
        " and old-249 will fail: web already holds 0.0.0.0:8080/tcp; the engine will say "
        '"Bind for 0.0.0.0:8080 failed: port is already allocated".'
    )
    assert (same.kind, same.containers) == ("same-intent", names)
    assert same.message.startswith("old-000, old-001, ")
    assert " and old-249 all want 0.0.0.0:8080/tcp and none is running" in same.message
    assert find_conflicts(state(web, *old, listeners=[proxy(8080), proxy(8080, "::")])) == (
        held,
        same,
    )


def test_distinct_specific_addresses_are_clean() -> None:
    a = running("a", bound(8080, "127.0.0.1"))
    b = created("b", wants(8080, "127.0.0.2"))
    c = created("c", wants(8080, "::1"))
    assert find_conflicts(state(a, b, c)) == ()


def test_udp_and_tcp_on_one_number_are_clean() -> None:
    a = running("a", *published(5353, proto="udp"))
    b = created("b", wants(5353, proto="tcp"))
    dns = Listener("udp", "0.0.0.0", 5353, 3, "avahi")
    assert find_conflicts(state(a, b)) == ()
    assert find_conflicts(state(b, listeners=[dns])) == ()


def test_ipv4_wildcard_does_not_take_ipv6() -> None:
    a = created("a", wants(8443, "::1"))
    b = running("b", bound(8443))
    assert find_conflicts(state(a, b)) == ()


def test_a_proxy_that_matches_no_binding_of_ours_holds_the_port_like_a_process() -> None:
    # Another engine's (or a rootless engine's) docker-proxy: its port is taken all the same.
    waiting = created("web", wants(9000))
    s = state(waiting, listeners=[proxy(9000, pid=4242)])
    conflict = only(find_conflicts(s))
    assert (conflict.kind, conflict.containers) == ("host-process", ("web",))
    assert conflict.processes == ("docker-proxy (pid 4242)",)
    (row,) = listener_rows(s)
    assert (row.owner, row.container) == (Owner.PROCESS, None)
    assert next_free_port(s, "tcp", "0.0.0.0", 9000) == 9001


def test_a_proxy_on_a_running_containers_port_but_another_address_is_not_ours() -> None:
    web = running("web", bound(9000, "127.0.0.1"))
    s = state(web, listeners=[proxy(9000, "127.0.0.1"), proxy(9000, "10.0.0.5", pid=77)])
    assert [(r.address, r.owner, r.container) for r in listener_rows(s)] == [
        ("10.0.0.5", Owner.PROCESS, None),
        ("127.0.0.1", Owner.PUBLISHED, "web"),
    ]
    assert next_free_port(s, "tcp", "10.0.0.5", 9000) == 9001


def test_host_mode_containers_ports_are_discarded() -> None:
    hosted = created("hosted", wants(8080), mode="host")
    other = created("other", wants(8080))
    assert find_conflicts(state(hosted, other)) == ()
    assert [r.container for r in port_bindings(state(hosted, other))] == ["other"]


def test_a_container_restarting_on_its_own_port_is_not_a_conflict() -> None:
    # Its own 0.0.0.0 and :: bindings are one party.
    assert find_conflicts(state(running("web", *published(8080)))) == ()


def test_without_a_known_dynamic_range_there_is_no_range_warning() -> None:
    assert find_conflicts(state(running("web", *published(40000)), span=None)) == ()


# Rows, ordering, attribution -----------------------------------------------------------


def test_listeners_are_attributed_to_their_owner() -> None:
    web = running("web", *published(8080))
    hosted = running("hosted", mode="host")
    listeners = [
        Listener("tcp", "0.0.0.0", 8080, None, None),  # proxy, pid not visible
        Listener("tcp", "::", 8080, None, None),
        Listener("tcp", "0.0.0.0", 22, 1, "sshd"),
        Listener("udp", "::ffff:127.0.0.1", 5000, 2, "python3", container_id=hosted.id[:12]),
    ]
    rows = listener_rows(state(web, hosted, listeners=listeners))
    assert [(r.port, r.address, r.owner, r.container) for r in rows] == [
        (22, "0.0.0.0", Owner.PROCESS, None),
        (5000, "127.0.0.1", Owner.HOST_MODE, "hosted"),
        (8080, "0.0.0.0", Owner.PUBLISHED, "web"),
        (8080, "::", Owner.PUBLISHED, "web"),
    ]


def test_conflicts_are_ordered_and_split_by_who_clashes_with_whom() -> None:
    a = running("a", bound(9000, "127.0.0.1"))
    b = created("b", wants(9000, "127.0.0.1"))
    c = running("c", bound(9000, "127.0.0.2"))
    d = created("d", wants(9000, "127.0.0.2"))
    e, f = created("e", wants(80)), created("f", wants(80))
    found = find_conflicts(state(d, c, b, a, f, e))
    assert [(x.host_port, x.kind, x.containers) for x in found] == [
        (80, "same-intent", ("e", "f")),
        (9000, "held", ("a", "b")),
        (9000, "held", ("c", "d")),
    ]
    assert find_conflicts(state(a, b, c, d, e, f)) == found


def test_rows_point_at_their_conflicts() -> None:
    holder = running("local", bound(8080, "127.0.0.1"))
    waiting = created("public", wants(8080), wants(8081))
    s = state(holder, waiting, listeners=[Listener("tcp", "0.0.0.0", 8081, 5, "nc")])
    conflicts = find_conflicts(s)
    by_port = {
        (r.container, r.host_port): conflicts_of_binding(conflicts, r) for r in port_bindings(s)
    }
    assert [c.kind for c in by_port[("public", 8080)]] == ["wildcard-overlap"]
    assert [c.kind for c in by_port[("local", 8080)]] == ["wildcard-overlap"]
    assert [c.kind for c in by_port[("public", 8081)]] == ["host-process"]
    (nc,) = listener_rows(s)
    assert [c.kind for c in conflicts_of_listener(conflicts, nc)] == ["host-process"]


def test_the_json_document_has_the_documented_shape() -> None:
    web = running("web", *published(8080))
    old = created("old", wants(8080), wants(None))
    doc = ports_document(state(web, old, listeners=[proxy(8080)]))
    assert set(doc) == {"bindings", "listeners", "conflicts"}
    assert doc["bindings"][0] == {
        "container": "old",
        "state": "created",
        "host_ip": "0.0.0.0",
        "host_port": 8080,
        "container_port": 80,
        "proto": "tcp",
        "bound": False,
        "dynamic": False,
    }
    assert doc["bindings"][-1]["host_port"] is None
    assert doc["listeners"] == [
        {
            "proto": "tcp",
            "address": "0.0.0.0",
            "port": 8080,
            "pid": 900,
            "process": "docker-proxy",
            "container": "web",
        }
    ]
    (conflict,) = doc["conflicts"]
    assert set(conflict) == {
        "kind",
        "proto",
        "host_port",
        "host_ips",
        "containers",
        "processes",
        "message",
    }
    assert conflict["containers"] == ["old", "web"]


# Free ports ------------------------------------------------------------------------


def test_next_free_port_skips_what_is_held_wanted_or_listened_on() -> None:
    s = state(
        running("a", *published(8080)),
        created("b", wants(8081)),
        listeners=[Listener("tcp", "::1", 8082, 1, "x"), Listener("udp", "0.0.0.0", 8083, 2, "y")],
    )
    assert next_free_port(s, "tcp", "0.0.0.0", 8080) == 8083
    assert next_free_port(s, "tcp", "127.0.0.1", 8080) == 8082
    assert next_free_port(s, "udp", "0.0.0.0", 8083) == 8084
    assert next_free_port(s, "tcp", "10.1.2.3", 8081) == 8082  # 8081 is wanted on 0.0.0.0


def test_next_free_port_steps_over_the_dynamic_range_from_below() -> None:
    s = state(created("b", wants(32767)))
    assert next_free_port(s, "tcp", "0.0.0.0", 32767) == 61000
    assert next_free_port(s, "tcp", "0.0.0.0", 40000) == 40000


def test_next_free_port_raises_when_nothing_is_left() -> None:
    s = state(created("b", wants(65535)), span=None)
    with pytest.raises(LookupError):
        next_free_port(s, "tcp", "0.0.0.0", 65535)


# Properties --------------------------------------------------------------------------

ADDRESSES = st.sampled_from(["0.0.0.0", "::", "127.0.0.1", "127.0.0.2", "::1", "10.0.0.1", ""])


def test_addresses_normalize() -> None:
    assert normalize_address("") == "0.0.0.0"
    assert normalize_address("::ffff:10.0.0.1") == "10.0.0.1"
    assert normalize_address("[0:0::1]") == "::1"
    assert normalize_address("not an address") == "not an address"


@given(a=ADDRESSES, b=ADDRESSES, a_dual=st.booleans(), b_dual=st.booleans())
def test_overlap_is_symmetric(a: str, b: str, a_dual: bool, b_dual: bool) -> None:
    a, b = normalize_address(a), normalize_address(b)
    assert addresses_overlap(a, b, a_dual=a_dual, b_dual=b_dual) == addresses_overlap(
        b, a, a_dual=b_dual, b_dual=a_dual
    )


CLAIMS = st.lists(
    st.tuples(
        st.booleans(),  # running
        ADDRESSES,
        st.sampled_from([None, 80, 8080, 40000]),
        st.sampled_from(["tcp", "udp"]),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(
    claims=CLAIMS, listeners=st.lists(st.tuples(ADDRESSES, st.sampled_from([80, 8080])), max_size=3)
)
def test_findings_are_stable_well_formed_and_never_self_inflicted(claims, listeners) -> None:
    containers = []
    for i, (is_running, ip, port, proto) in enumerate(claims):
        if is_running and port is None:
            continue
        make = running if is_running else created
        containers.append(
            make(f"c{i}", (bound if is_running else wants)(port, ip or "0.0.0.0", proto))
        )
    hosts = [
        Listener("tcp", ip or "0.0.0.0", port, 100 + i, "p")
        for i, (ip, port) in enumerate(listeners)
    ]
    s = state(*containers, listeners=hosts)
    found = find_conflicts(s)
    assert found == find_conflicts(state(*reversed(containers), listeners=reversed(hosts)))
    assert list(found) == sorted(found, key=Conflict.sort_key)
    for c in found:
        parties = len(c.containers) + len(c.processes)
        assert parties >= (1 if c.warning else 2)
        assert len(c.containers) == len(c.container_ids)
        assert c.message.endswith(".")
        if not c.warning:
            # Dynamic wishes never collide: they have no port yet.
            assert c.host_port is not None
    # Every port the free-port search offers is one no finding could involve.
    free = next_free_port(s, "tcp", "0.0.0.0", 80)
    assert all(c.host_port != free or c.proto != "tcp" for c in found)
