"""The parser on JSON captured from the real engine (tests/data), one case per mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import captured_containers, load

from tui.core.model import Detail, Mode, PortBinding
from tui.core.namespaces import effective_endpoints, mode_of, namespace_chain, sharers
from tui.core.parse import (
    parse_container,
    parse_container_summary,
    parse_engine,
    parse_event,
    parse_network,
    parse_time,
)
from tui.core.state import HostState, Resynced, reduce


def container(name: str):
    parsed = parse_container(load(f"inspect/{name}.json"))
    assert parsed is not None
    return parsed


@pytest.fixture(scope="module")
def state() -> HostState:
    containers = tuple(filter(None, map(parse_container, captured_containers())))
    networks = tuple(filter(None, map(parse_network, load("networks/list.json"))))
    return reduce(HostState(), Resynced(containers, networks))


def test_bridge_publish_all_binds_every_exposed_port_on_both_wildcards(state):
    web = container("bridge_publish_all")
    assert (web.name, web.state, web.network_mode) == ("ndcap-web", "running", "default")
    assert mode_of(state, web) == Mode.BRIDGE
    (ep,) = web.endpoints
    assert ep.network == "bridge" and ep.prefix == 16 and ep.gateway == "172.17.0.1"
    assert ep.ipv4 and ep.ipv4.startswith("172.17.") and ep.mac and ep.mac.startswith("02:42:")
    assert {(p.host_ip, p.container_port, p.proto) for p in web.ports} == {
        ("0.0.0.0", 80, "tcp"),
        ("::", 80, "tcp"),
        ("0.0.0.0", 443, "tcp"),
        ("::", 443, "tcp"),
    }
    assert all(p.bound and p.dynamic and p.host_port for p in web.ports)
    assert web.exposed == ("80/tcp", "443/tcp")
    assert web.started_at is not None and web.started_at.tzinfo is not None


def test_specific_bindings_keep_host_ip_udp_and_each_port_of_a_range():
    specific = container("bridge_publish_specific")
    assert PortBinding("127.0.0.1", 8080, 80, "tcp", True, False) in specific.ports
    assert PortBinding("0.0.0.0", 5353, 53, "udp", True, False) in specific.ports
    assert {p.host_port for p in specific.ports if p.container_port in (9000, 9001)} == {9000, 9001}
    assert not any(p.dynamic for p in specific.ports)


def test_host_mode_has_the_host_endpoint_and_no_address(state):
    host = container("host")
    assert mode_of(state, host) == Mode.HOST
    assert [(e.network, e.ipv4, e.mac) for e in host.endpoints] == [("host", None, None)]
    assert host.ports == ()


def test_host_mode_ignores_publish_requests():
    assert container("host_publish_ignored").ports == ()


def test_none_mode(state):
    none = container("none")
    assert mode_of(state, none) == Mode.NONE
    assert [e.network for e in none.endpoints] == ["none"]


def test_container_mode_resolves_its_owner_and_a_chain_to_the_real_addresses(state):
    sidecar = state.container("ndcap-sidecar")
    chained = state.container("ndcap-chained")
    web = state.container("ndcap-web")
    assert sidecar and chained and web
    assert mode_of(state, chained) == Mode.CONTAINER
    assert sidecar.endpoints == () and chained.endpoints == ()
    assert [c.name for c in namespace_chain(state, chained)] == ["ndcap-sidecar", "ndcap-web"]
    assert effective_endpoints(state, chained) == web.endpoints
    assert sharers(state, web) == (sidecar,)


def test_created_container_lists_configured_bindings_unbound_with_dynamic_as_none():
    created = container("created_not_started")
    assert created.state == "created" and created.started_at is None
    assert created.ports == (
        PortBinding("0.0.0.0", 8081, 80, "tcp", False, False),
        PortBinding("127.0.0.1", None, 443, "tcp", False, True),
    )


def test_exited_publish_all_container_has_no_configured_binding():
    exited = container("exited_publish_all")
    assert exited.state == "exited" and exited.ports == () and exited.publish_all


def test_paused_container_keeps_its_bindings():
    paused = container("paused")
    assert paused.state == "paused" and paused.running and paused.ports


def test_user_networks_two_endpoints_and_the_mode_is_the_driver(state):
    multi = container("two_networks")
    assert [e.network for e in multi.endpoints] == ["ndcap-back", "ndcap-front"]
    assert all(e.ipv4 and e.mac and e.gateway for e in multi.endpoints)
    assert mode_of(state, multi) == "bridge"


def test_the_list_endpoint_summary_carries_enough_to_paint_a_row():
    listing = load("list_containers.json")
    summaries = {c.name: c for c in map(parse_container_summary, listing) if c}
    assert set(summaries) == {c.name for c in map(parse_container, captured_containers()) if c}
    web = summaries["ndcap-web"]
    assert web.detail is Detail.SUMMARY
    assert web.endpoints[0].ipv4 == container("bridge_publish_all").endpoints[0].ipv4
    assert {p.host_port for p in web.ports} == {
        p.host_port for p in container("bridge_publish_all").ports
    }
    assert summaries["ndcap-sidecar"].namespace_ref is not None


def test_a_summary_never_replaces_a_full_inspect():
    full = container("bridge_publish_all")
    summary = next(
        c
        for c in map(parse_container_summary, load("list_containers.json"))
        if c and c.id == full.id
    )
    state = reduce(HostState(), Resynced((full,), ()))
    assert reduce(state, Resynced((summary,), ())).containers[full.id] is full


def test_networks():
    networks = {n.name: n for n in map(parse_network, load("networks/list.json")) if n}
    assert networks["bridge"].driver == "bridge" and networks["host"].driver == "host"
    assert networks["bridge"].subnets[0].subnet == "172.17.0.0/16"
    front = parse_network(load("networks/user_front.json"))
    assert front and front.subnets and front.subnets[0].gateway


def test_engine_and_events():
    engine = parse_engine(load("version.json"), "unix:///var/run/docker.sock", True)
    assert engine.version.startswith("20.10") and engine.api_version == "1.41"
    events = [e for e in map(parse_event, load("events.json")) if e]
    assert events and all(e.time_nano > 10**18 for e in events)
    connects = [e for e in events if e.type == "network" and e.action == "connect"]
    assert connects and all(e.container_id for e in connects)


def test_times():
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time("2026-11-28T20:42:50.167156123Z") == datetime(
        2026, 11, 28, 20, 42, 50, 167156, tzinfo=UTC
    )
    assert parse_time("garbage") is None


def test_an_exited_container_carries_its_exit_code_oom_error_and_finish_time():
    from tui.core.describe import state_words

    exited = container("exited_publish_all")
    assert exited.exit_code == 137 and exited.finished_at is not None
    later = exited.finished_at + timedelta(days=1)
    assert state_words(exited, later) == "exited (137), a day ago"
    doc = load("inspect/exited_publish_all.json")
    doc["State"].update(ExitCode=1, OOMKilled=True, Error="cgroup: out of memory")
    oom = parse_container(doc)
    assert (oom.exit_code, oom.oom_killed, oom.error) == (1, True, "cgroup: out of memory")
    assert state_words(oom, later).startswith("exited (1, OOMKilled), ")
    running = container("bridge_publish_all")
    assert running.exit_code is None and running.finished_at is None
    created = container("created_not_started")
    assert created.exit_code is None and created.finished_at is None
