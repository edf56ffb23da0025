"""The launch spec: what validation says before anything is sent, and the create body.

Pure: states are built by hand (or from captured inspect documents); port specs go through
the docker SDK's own parser, as in the launcher.
"""

from __future__ import annotations

from types import MappingProxyType

from docker.utils.ports import build_port_bindings
from docker.utils.utils import convert_port_bindings
from hypothesis import given
from hypothesis import strategies as st

from tui.core.launch import (
    Field,
    LaunchSpec,
    image_present,
    normalize_image,
    port_holder,
    relaunch_mode,
    relaunch_spec,
    to_create_config,
    validate,
    warnings,
)
from tui.core.model import Container, HostAddress, HostFacts, Listener, Network, PortBinding
from tui.core.state import HostState
from tui.engine.bindable import can_bind
from tui.engine.portspec import parse_port_spec, parse_port_specs, split_specs

IMAGES = (
    "netlab/busybox:1",
    "sha256:1c52a457f012054fca821ed24c91385aca8f4771221f5615ea12ff4c94944e4b",
)


def container(name: str, state: str = "running", mode: str = "bridge", **kwargs) -> Container:
    return Container(
        id=name * 8, name=name, image="netlab/busybox:1", state=state, network_mode=mode, **kwargs
    )


def host_state(*containers: Container, listeners=(), addresses=(), networks=()) -> HostState:
    return HostState(
        containers=MappingProxyType({c.id: c for c in containers}),
        networks=MappingProxyType({n.id: n for n in networks}),
        host=HostFacts(addresses=tuple(addresses), listeners=tuple(listeners)),
    )


def spec(ports: str = "", **kwargs) -> LaunchSpec:
    kwargs.setdefault("image", "netlab/busybox:1")
    return LaunchSpec(ports=parse_port_specs(ports), **kwargs)


def messages(problems, field: Field | None = None) -> list[str]:
    return [p.message for p in problems if field is None or p.field == field]


WEB = container(
    "web",
    ports=(PortBinding("0.0.0.0", 8080, 80, "tcp", True), PortBinding("::", 8080, 80, "tcp", True)),
)


def test_a_plain_launch_is_valid_and_becomes_docker_runs_body():
    s = spec("8080:80, 127.0.0.1:53:53/udp", name="probe", publish_all=True, command="sleep 'a b'")
    assert validate(s, host_state(), IMAGES) == []
    body = to_create_config(s)
    assert body["Image"] == "netlab/busybox:1"
    assert body["Cmd"] == ["sleep", "a b"]
    assert body["HostConfig"] == {
        "NetworkMode": "bridge",
        "PortBindings": {
            "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
            "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "53"}],
        },
        "PublishAllPorts": True,
    }
    assert body["Labels"] == {"netdock.launched": "1"}
    assert set(body["ExposedPorts"]) == {"80/tcp", "53/udp"}


def test_unparsable_port_specs_carry_the_sdks_own_message():
    problems = validate(spec("8080:80 a:b 1-2:3-5"), host_state(), IMAGES)
    assert messages(problems, Field.PORTS) == [
        'a:b: Invalid port "a:b", should be [[remote_ip:]remote_port[-remote_port]:]port'
        "[/protocol]",
        "1-2:3-5: Port ranges don't match in length",
    ]


def test_a_backwards_range_is_an_error_not_an_empty_spec():
    # The SDK parses "80-70" to no port at all: unreported, nothing would be published.
    assert parse_port_spec("80-70:80-70").requests == ()
    problems = validate(spec("80-70:80-70 90-85"), host_state(), IMAGES)
    assert messages(problems, Field.PORTS) == [
        "80-70:80-70: the range 80-70 runs backwards (write 70-80): no port to publish",
        "90-85: the range 90-85 runs backwards (write 85-90): no port to publish",
    ]


def test_out_of_range_ports_and_bad_addresses_are_caught():
    state = host_state(addresses=[HostAddress("lo", "127.0.0.1", 8, "inet")])
    typed = spec("99999:80 70000 1.2.3:80:80 192.0.2.1:80:80")
    problems = messages(validate(typed, state, bindable=can_bind))
    assert "99999:80: host port 99999 is not in 0-65535" in problems
    assert "70000: container port 70000 is not in 1-65535" in problems
    assert "1.2.3:80:80: 1.2.3 is not an IP address" in problems
    assert any("192.0.2.1 is not an address of this host" in p for p in problems)


def test_every_loopback_address_is_the_host_s_own_as_the_kernel_says():
    """`lo` lists 127.0.0.1 only, but the kernel (and the engine) binds all of 127/8."""
    state = host_state(addresses=[HostAddress("lo", "127.0.0.1", 8, "inet")])
    for typed in ("127.0.0.2:8081:80", "127.1.2.3:8081:80", "[::1]:8081:80"):
        assert messages(validate(spec(typed), state, IMAGES, can_bind)) == [], typed
    # A remote engine's host cannot be asked: nothing is refused for it.
    assert messages(validate(spec("192.0.2.1:80:80"), state, IMAGES)) == []


def test_a_port_a_stopped_container_is_configured_for_is_a_warning_not_a_problem():
    stopped = Container(
        "d" * 64, "db", "nginx:alpine", "exited", "default",
        ports=(PortBinding("0.0.0.0", 9090, 80, "tcp", bound=False),),
    )  # fmt: skip
    state = host_state(stopped)
    assert validate(spec("9090:80"), state, IMAGES) == []
    assert messages(warnings(spec("9090:80"), state)) == [
        "9090:80: db (0.0.0.0:9090) is configured for host port 9090/tcp too, not running: "
        "only one of them can run at a time (same-intent)"
    ]
    assert warnings(spec("127.0.0.1:9091:80 9090:80/udp"), state) == []


def test_a_held_host_port_names_the_container_and_suggests_a_free_one():
    problems = messages(validate(spec("8080:80"), host_state(WEB), IMAGES))
    assert problems == [
        "8080:80: host port 8080/tcp is held by container web; 8081 is free (try 8081:80)"
    ]


def test_a_held_host_port_names_the_host_process():
    sshd = Listener("tcp", "0.0.0.0", 2222, 41, "sshd")
    problems = messages(validate(spec("127.0.0.1:2222:22"), host_state(listeners=[sshd])))
    assert problems == [
        "127.0.0.1:2222:22: host port 2222/tcp is held by process sshd (pid 41); "
        "2223 is free (try 127.0.0.1:2223:22)"
    ]


def test_a_dual_stack_listener_on_v6_wildcard_holds_the_v4_wildcard_too():
    java = Listener("tcp", "::", 9000, 7, "java")
    assert port_holder(host_state(listeners=[java]), "tcp", 9000) == "process java (pid 7)"
    assert port_holder(host_state(listeners=[java]), "udp", 9000) is None


def test_a_host_mode_containers_socket_is_named_as_the_container():
    hosty = container("hosty", mode="host")
    ln = Listener("tcp", "0.0.0.0", 7000, 9, "httpd", container_id=hosty.id)
    assert (
        port_holder(host_state(hosty, listeners=[ln]), "tcp", 7000) == "host-mode container hosty"
    )


def test_stopped_containers_and_other_addresses_do_not_hold():
    stopped = container("old", "exited", ports=(PortBinding("0.0.0.0", 8080, 80, "tcp", False),))
    assert validate(spec("8080:80"), host_state(stopped), IMAGES) == []
    local = container("lo", ports=(PortBinding("127.0.0.1", 8080, 80, "tcp", True),))
    assert validate(spec("127.0.0.2:8080:80"), host_state(local), IMAGES) == []
    assert validate(spec("8080:80"), host_state(local), IMAGES) != []


def test_a_port_asked_twice_and_a_range_fully_held():
    assert "host port 8080/tcp is asked for twice" in messages(
        validate(spec("8080:80 8080:443"), host_state(), IMAGES)
    )
    problems = messages(validate(spec("8080-8080:80"), host_state(WEB), IMAGES))
    assert problems == ["8080-8080:80: every host port in 8080-8080/tcp is held"]


def test_ports_with_host_none_and_container_modes_say_what_the_engine_does():
    state = host_state(WEB)
    host = messages(validate(spec("8080:80", mode="host"), state, IMAGES))
    assert host == [
        "8080:80: host mode uses the host's own ports directly: the engine discards "
        "published ports; a server in the container listens on the host as it is"
    ]
    none = messages(validate(spec(mode="none", publish_all=True), state, IMAGES))
    assert none[0].startswith("-P: none mode has no network")
    joined = messages(validate(spec("81", mode="container:web"), state, IMAGES))
    assert joined == [
        "81: container mode shares web's network, ports included: the engine "
        "refuses port publishing here; publish on web instead"
    ]


def test_container_mode_needs_a_running_target():
    state = host_state(WEB, container("gone", "exited"))
    assert messages(validate(spec(mode="container:gone"), state, IMAGES)) == [
        "container mode: gone is exited; only a running container has a namespace to join"
    ]
    assert messages(validate(spec(mode="container:nosuch"), state, IMAGES)) == [
        "container mode: there is no container nosuch"
    ]
    assert messages(validate(spec(mode="container:"), state, IMAGES)) == [
        "container mode: choose a running container whose network namespace to join"
    ]
    ok = spec(mode="container:web")
    assert validate(ok, state, IMAGES) == []
    assert to_create_config(ok, state)["HostConfig"]["NetworkMode"] == "container:" + WEB.id


def test_user_networks_must_exist_and_are_attached_by_name():
    front = Network(id="f" * 64, name="front", driver="bridge", scope="local")
    state = host_state(networks=[front])
    assert messages(validate(spec(mode="back"), state, IMAGES)) == [
        "there is no network back on the engine"
    ]
    body = to_create_config(spec(mode="front", publish_all=True))
    assert body["HostConfig"]["NetworkMode"] == "front"
    assert body["NetworkingConfig"] == {"EndpointsConfig": {"front": {}}}
    assert validate(spec(mode="front"), state, IMAGES) == []


def test_a_name_in_use_or_invalid_is_refused():
    state = host_state(WEB)
    assert messages(validate(spec(name="web"), state, IMAGES)) == [
        f"the name web is already in use by container {WEB.short_id} (running)"
    ]
    assert "not a valid name" in messages(validate(spec(name="a"), state, IMAGES))[0]
    assert "not a valid name" in messages(validate(spec(name="-x"), state, IMAGES))[0]


def test_an_image_not_on_the_engine_is_not_pulled():
    problems = messages(validate(spec(image="nginx:alpine"), host_state(), IMAGES))
    assert problems == [
        "nginx:alpine is not on the engine, and netdock does not pull (no "
        "registry may be reachable): run `docker pull nginx:alpine` where one is, "
        "or pick a local image"
    ]
    assert messages(validate(spec(image=""), host_state(), IMAGES)) == [
        "choose an image (the engine's local images complete)"
    ]
    # Unknown list (the engine's images could not be read): no verdict on the image.
    assert validate(spec(image="nginx:alpine"), host_state(), None) == []


def test_image_references_match_as_the_engine_resolves_them():
    assert normalize_image("busybox") == "busybox:latest"
    assert normalize_image("docker.io/library/busybox:1.36") == "busybox:1.36"
    assert normalize_image("localhost:5000/app") == "localhost:5000/app:latest"
    assert image_present("docker.io/netlab/busybox:1", IMAGES)
    assert image_present("1c52a457f012", IMAGES)
    assert not image_present("netlab/busybox:2", IMAGES)


def test_an_unbalanced_quote_in_the_command_is_caught():
    assert messages(validate(spec(command="sh -c 'echo"), host_state(), IMAGES)) == [
        "cannot split the command as a shell would: No closing quotation"
    ]


def test_relaunch_keeps_image_and_command_and_offers_another_mode():
    web = container("web", command=("httpd", "-f", "-p", "80"), publish_all=True)
    state = host_state(web)
    assert relaunch_mode(state, web) == "host"
    again = relaunch_spec(state, web, "host")
    assert (again.image, again.command, again.mode, again.publish_all) == (
        "netlab/busybox:1",
        "httpd -f -p 80",
        "host",
        False,
    )
    assert relaunch_spec(state, web, "bridge").publish_all
    assert relaunch_mode(state, container("h", mode="host")) == "bridge"


def test_relaunch_keeps_the_entrypoint_and_sends_it():
    # docker run --entrypoint sleep IMAGE 1000000: Cmd alone would run "1000000".
    chosen = container("sleepy", command=("1000000",), entrypoint=("sleep",))
    body = to_create_config(relaunch_spec(host_state(chosen), chosen, "host"))
    assert (body["Entrypoint"], body["Cmd"]) == (["sleep"], ["1000000"])
    # None reported (or cleared with --entrypoint ""): sent empty, so none runs again.
    plain = container("plain", command=("httpd", "-f"))
    assert to_create_config(relaunch_spec(host_state(plain), plain, "host"))["Entrypoint"] == []
    # A launch from the form keeps the image's own.
    assert "Entrypoint" not in to_create_config(spec(command="sleep 1"))


def test_fields_split_on_commas_and_spaces():
    assert split_specs(" 80, 443  8080:80,") == ("80", "443", "8080:80")
    assert parse_port_spec("[::1]:8080:80").requests[0].host_ip == "::1"
    r = parse_port_spec("8080-8090:80").requests[0]
    assert (r.host_port, r.host_port_end, r.host_text) == (8080, 8090, "8080-8090")


_port = st.integers(1, 65535).map(str)
_spec = st.one_of(
    _port,
    st.tuples(_port, _port).map(":".join),
    st.tuples(st.sampled_from(["127.0.0.1", "0.0.0.0", "::1"]), _port, _port).map(
        lambda t: f"[{t[0]}]:{t[1]}:{t[2]}" if ":" in t[0] else ":".join(t)
    ),
    st.tuples(st.sampled_from(["127.0.0.1"]), _port).map(lambda t: f"{t[0]}::{t[1]}"),
    st.integers(1, 65000).map(lambda p: f"{p}-{p + 1}:{p}-{p + 1}"),
    st.integers(1, 65000).map(lambda p: f"{p}-{p + 5}:80"),
)


# "80" and "80/tcp" are one port to the engine but two keys to the SDK, which then keeps
# only one of their bindings: the specs here spell each protocol one way.
@given(st.lists(st.tuples(_spec, st.sampled_from(["", "/udp"])), max_size=4))
def test_the_create_body_binds_exactly_what_the_sdk_would(specs):
    texts = [text + proto for text, proto in specs]
    ours = to_create_config(spec(" ".join(texts)))["HostConfig"].get("PortBindings", {})
    sdk = convert_port_bindings(build_port_bindings(texts))

    def canonical(bindings):
        return {
            k if "/" in k else k + "/tcp": sorted(
                (b.get("HostIp", ""), b.get("HostPort", "")) for b in v
            )
            for k, v in bindings.items()
        }

    assert canonical(ours) == canonical(sdk)
