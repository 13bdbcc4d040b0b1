"""SSH tunnels: a bridge's legacy host reached through an SSH jump host, by configuration.

    [bridges.orders.tunnel]
    jump_host = "bastion.example.com"
    user = "bridges"
    key_file = "/etc/legacy-bridges/id_ed25519"     # or none: the SSH agent
    known_hosts = "/etc/legacy-bridges/known_hosts"

The runtime opens the tunnel before it builds the bridge: a loopback port whose
connections paramiko forwards through the jump host to the bridge's own host and port
(``target`` to say another), and the bridge's settings are pointed at that port — a
TN3270 host, a database server or a web application alike, each transport saying where
its settings point (``tunnel_target``) and how to point them elsewhere (``through_tunnel``).

Safety: the jump host's key must be in ``known_hosts`` or be the fingerprint given in
``trust_host_key``; any other key is refused (never added); a refused SSH login is not
retried until an operator's reset. A dropped SSH session is re-established — by a
watchdog, and at the latest when the next connection comes in — and :meth:`SshTunnel.close`
ends the session and every forwarded connection.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import selectors
import socket
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from bridges.core.errors import ConfigError, LoginRefused, Unavailable

__all__ = ["SshLogin", "SshTunnel", "TunnelSettings", "Tunnelled", "fingerprint", "open_ssh"]

log = logging.getLogger("legacy_bridges.tunnel")


class SshLogin(BaseModel):
    """How to log in to an SSH server and which host keys to trust (shared by tunnels and SFTP)."""

    model_config = {"extra": "forbid"}

    user: str = Field(min_length=1, max_length=64, description="The SSH user.")
    key_file: Path | None = Field(
        None,
        description="Private key file; none: keys of the SSH agent (SSH_AUTH_SOCK). Its passphrase, if any, is "
        "the secret `ssh_passphrase`.",
    )
    agent: bool = Field(True, description="Also offer the SSH agent's keys.")
    known_hosts: Path = Field(Path("~/.ssh/known_hosts"), description="Host keys trusted for the server.")
    trust_host_key: str | None = Field(
        None,
        pattern=r"^SHA256:[A-Za-z0-9+/]{43}$",
        description="A host key fingerprint (`ssh-keygen -l` form, SHA256:…) trusted although not in known_hosts.",
    )
    connect_timeout_s: float = Field(10.0, gt=0, le=120, description="SSH connect and login timeout.")
    host_key_alias: str | None = Field(
        None,
        max_length=260,
        description="Look the server's key up in known_hosts under this name (`host` or `[host]:port`), as "
        "ssh's HostKeyAlias; set by a tunnel to the server's real name.",
    )


class TunnelSettings(SshLogin):
    """How a bridge's host is reached through an SSH jump host (``[bridges.NAME.tunnel]``)."""

    jump_host: str = Field(min_length=1, max_length=253, description="The SSH jump host (bastion).")
    jump_port: int = Field(22, ge=1, le=65535, description="Its SSH port.")
    target: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9.\-]+:\d{1,5}$",
        description="host:port the jump host forwards to; default: the bridge's own.",
    )
    keepalive_s: float = Field(
        15.0, gt=0, le=600, description="SSH keepalive interval; also how often the watchdog checks the session."
    )


@runtime_checkable
class Tunnelled(Protocol):
    """Settings of a transport whose host a tunnel can stand in for."""

    def tunnel_target(self) -> tuple[str, int]:
        """The (host, port) these settings reach (ConfigError when none: a local file)."""
        ...

    def through_tunnel(self, host: str, port: int) -> BaseModel:
        """A copy of these settings reaching ``host``:``port`` instead."""
        ...


def fingerprint(key: Any) -> str:
    """A host key's SHA256 fingerprint as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


class _Refused(Exception):
    """The server's key is neither known nor trusted."""


def open_ssh(host: str, port: int, login: SshLogin, *, passphrase: str | None = None, where: str = "") -> Any:
    """A logged-in ``paramiko.SSHClient``: the server's key checked against ``known_hosts`` (or the trusted
    fingerprint) and never added to the file. An unknown or changed key is a :class:`ConfigError`, a refused
    login :class:`LoginRefused`, an unreachable server :class:`Unavailable`; each names ``where``."""
    import paramiko

    where = where or f"SSH server {host}:{port}"
    client = paramiko.SSHClient()
    known = login.known_hosts.expanduser()
    if known.exists():
        client.load_host_keys(str(known))
    client.set_missing_host_key_policy(_TrustPolicy(login.trust_host_key, login.host_key_alias))
    try:
        client.connect(
            host,
            port,
            username=login.user,
            key_filename=str(login.key_file.expanduser()) if login.key_file else None,
            passphrase=passphrase,
            allow_agent=login.agent,
            look_for_keys=False,
            timeout=login.connect_timeout_s,
            banner_timeout=login.connect_timeout_s,
            auth_timeout=login.connect_timeout_s,
        )
    except _Refused as exc:
        client.close()
        raise ConfigError(
            f"{where}: host key {exc} is not in {login.known_hosts} and not trusted "
            "(add it to known_hosts or set trust_host_key)"
        ) from None
    except paramiko.BadHostKeyException:
        client.close()
        raise ConfigError(
            f"{where}: the host key differs from the one in {login.known_hosts} (refused: a changed key may be an "
            "attack)"
        ) from None
    except paramiko.AuthenticationException:
        client.close()
        raise LoginRefused(f"{where}: the SSH login of {login.user} was refused") from None
    except (OSError, paramiko.SSHException) as exc:
        client.close()
        raise Unavailable(f"{where}: cannot connect ({type(exc).__name__})") from None
    return client


class SshTunnel:
    """A loopback port forwarded through an SSH jump host by paramiko (see the module docstring)."""

    def __init__(
        self, settings: TunnelSettings, target: tuple[str, int], *, passphrase: str | None = None, name: str = "tunnel"
    ) -> None:
        self.settings, self.target, self.name = settings, target, name
        self._passphrase = passphrase
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._client: Any = None
        self._refused: str | None = None
        self._open: set[socket.socket] = set()
        self.reconnects = 0
        self._connect()  # fail at start, naming the problem, rather than on the first call
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.local_port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name=f"{name}-accept", daemon=True).start()
        threading.Thread(target=self._watch, name=f"{name}-watchdog", daemon=True).start()

    # -- the SSH session ------------------------------------------------------------------

    def _connect(self) -> None:
        s = self.settings
        where = f"{self.name}: SSH jump host {s.jump_host}:{s.jump_port}"
        try:
            client = open_ssh(s.jump_host, s.jump_port, s, passphrase=self._passphrase, where=where)
        except LoginRefused as exc:
            self._refused = exc.detail
            raise
        transport = client.get_transport()
        transport.set_keepalive(max(1, int(s.keepalive_s)))
        with contextlib.suppress(OSError, AttributeError):  # small request/answer round trips: no Nagle delay
            transport.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = client

    def _alive(self) -> bool:
        transport = self._client.get_transport() if self._client is not None else None
        return transport is not None and transport.is_active()

    def _transport(self) -> Any:
        """The live SSH transport, re-established when the session dropped."""
        with self._lock:
            if self._closed.is_set():
                raise Unavailable(f"{self.name}: the tunnel is closed")
            if not self._alive():
                if self._refused:
                    raise LoginRefused(self._refused)
                if self._client is not None:
                    self._client.close()
                    self._client = None
                self._connect()
                self.reconnects += 1
                log.warning("%s: SSH session to %s re-established", self.name, self.settings.jump_host)
            return self._client.get_transport()

    def _watch(self) -> None:
        while not self._closed.wait(self.settings.keepalive_s):
            if not self._alive() and not self._refused:
                try:
                    self._transport()
                except Exception as exc:  # the next connection tries again; keep watching
                    log.warning("%s: SSH session down: %s", self.name, getattr(exc, "detail", type(exc).__name__))

    # -- forwarding -----------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, peer = self._listener.accept()
            except OSError:
                return  # the listener was closed
            threading.Thread(target=self._forward, args=(conn, peer), name=f"{self.name}-pipe", daemon=True).start()

    def _channel(self, peer: tuple[str, int]) -> Any:
        for attempt in (1, 2):
            transport = self._transport()
            try:
                return transport.open_channel(
                    "direct-tcpip", self.target, peer, timeout=self.settings.connect_timeout_s
                )
            except Exception:
                if attempt == 2 or transport.is_active():
                    raise  # the jump host refused the forward itself: no point in a new session
        raise AssertionError("unreachable")

    def _forward(self, conn: socket.socket, peer: tuple[str, int]) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._open.add(conn)
        channel = None
        try:
            channel = self._channel(peer)
            self._pump(conn, channel)
        except Exception as exc:
            log.warning(
                "%s: cannot forward to %s:%s: %s", self.name, *self.target, getattr(exc, "detail", type(exc).__name__)
            )
        finally:
            if channel is not None:
                # Closing sends a message on the SSH transport, which raises once that session has
                # dropped (the watchdog re-opens it): the channel is gone either way.
                with contextlib.suppress(EOFError, OSError):
                    channel.close()
            conn.close()
            with self._lock:
                self._open.discard(conn)

    def _pump(self, conn: socket.socket, channel: Any) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(conn, selectors.EVENT_READ, channel)
            selector.register(channel, selectors.EVENT_READ, conn)
            while not self._closed.is_set():
                for key, _ in selector.select(timeout=1.0):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
                if channel.closed or (channel.exit_status_ready() and not channel.recv_ready()):
                    return

    # -- for the runtime ------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Where it forwards, whether the SSH session is up, and how often it was re-established."""
        return {
            "jump_host": f"{self.settings.jump_host}:{self.settings.jump_port}",
            "target": f"{self.target[0]}:{self.target[1]}",
            "local_port": self.local_port,
            "connected": self._alive(),
            "reconnects": self.reconnects,
            "forwarded": len(self._open),
        }

    def reset(self) -> None:
        """An operator's reset: try the SSH login again after a refusal."""
        self._refused = None

    def close(self) -> None:
        """Stop listening, end every forwarded connection and the SSH session (idempotent)."""
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (a bare close would not)
        self._listener.close()
        with self._lock:
            for conn in list(self._open):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            if self._client is not None:
                self._client.close()
                self._client = None


class _TrustPolicy:
    """A key not known under the name connected to: accepted when known_hosts has it under the
    ``alias`` (a server reached through a tunnel's loopback end), or when it is the configured
    fingerprint; a different key under the alias is a changed key, refused."""

    def __init__(self, trusted: str | None, alias: str | None = None) -> None:
        self.trusted, self.alias = trusted, alias

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        import paramiko

        found = fingerprint(key)
        known = client.get_host_keys().lookup(self.alias) if self.alias else None
        if known is not None and key.get_name() in known:
            if known[key.get_name()] != key:
                raise paramiko.BadHostKeyException(self.alias, key, known[key.get_name()])
        elif self.trusted is None or found != self.trusted:
            raise _Refused(f"{key.get_name()} {found}")
        client.get_host_keys().add(hostname, key.get_name(), key)  # for this client only; the file is not changed
