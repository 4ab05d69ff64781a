"""Several worker processes on one port, each accepting from a listening socket of its own.

uvicorn's supervisor (`Multiprocess`) hands every worker the same listening socket. Each
worker's event loop waits on it, and whichever is awake when a connection arrives accepts
it, so a burst of connections can land mostly on one worker: in a full bench run at
77f7f6c, the busiest of two workers used 0.52-1.0 of their CPU (1.0: the other idled), and
in paired runs a third of the shared-socket runs gave one worker 0.86-0.87 of it.

Here each worker slot has its own socket, bound with SO_REUSEPORT to the same address, and
the kernel hands each new connection to one of them by a hash of its addresses (the way
nginx's `listen ... reuseport` spreads connections). The supervisor still does everything
uvicorn's does (replacing a worker that dies, a rolling restart on SIGHUP, one more or one
fewer worker on SIGTTIN/SIGTTOU, stopping all on SIGTERM): only which socket a worker gets
is new. The parent keeps every slot's socket open, so connections that arrive for a slot
while its worker is being replaced wait in that socket's queue for the replacement instead
of being refused.

SO_REUSEPORT lets any socket of the same user join the port, so a second server started
on a port this one serves would silently take a share of its connections. The supervisor
first checks that no one listens on the address, and refuses as a lone server would.
"""

import logging
import socket

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def refuse_if_listened_on(host: str, port: int) -> None:
    """Raise OSError (EADDRINUSE) if a socket listens on (host, port). A socket with
    SO_REUSEADDR but not SO_REUSEPORT cannot bind beside a listening one, and can beside
    sockets in TIME_WAIT, so this refuses exactly where a lone server's bind would."""
    with socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def reuseport_listener(host: str, port: int) -> socket.socket:
    """A bound TCP socket of the port's SO_REUSEPORT group, inheritable by a worker process,
    whose uvicorn Server listens on it. Its protocol is said (IPPROTO_TCP), not left 0 as
    uvicorn's `bind_socket` leaves it: accepted sockets inherit it, and asyncio sets
    TCP_NODELAY only where it is IPPROTO_TCP (uvicorn issue #3149). Without it each keep-alive
    request after the first waited ~40 ms for the client's delayed ACK."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


class SocketPerWorker(Multiprocess):
    """uvicorn's `Multiprocess`, where the worker in slot i listens on `self.listeners[i]`
    alone. A slot keeps its socket when its worker is replaced (death, SIGHUP); SIGTTIN binds
    a socket for the new slot and SIGTTOU closes the last slot's."""

    def __init__(self, config: Config) -> None:
        # Bound before uvicorn's __init__ takes over the signals, so a refusal leaves none.
        refuse_if_listened_on(config.host, config.port)
        self.listeners: list[socket.socket] = []
        try:
            self._listen_on(config.host, config.port, config.workers)
        except BaseException:
            self._close_listeners()
            raise
        super().__init__(config, sockets=[])
        host, port = self.listeners[0].getsockname()[:2]
        logger.info("Uvicorn running on http://%s:%d (Press CTRL+C to quit)", host, port)

    def _listen_on(self, host: str, port: int, slots: int) -> None:
        """Bind sockets until there are `slots`; the first fixes the port if 0 was asked."""
        while len(self.listeners) < slots:
            bound = self.listeners[0].getsockname()[1] if self.listeners else port
            self.listeners.append(reuseport_listener(host, bound))

    def _close_listeners(self) -> None:
        for sock in self.listeners:
            sock.close()

    def _spawn(self, slot: int) -> Process:
        process = Process(self.config, [self.listeners[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        for slot in range(self.processes_num):
            self.processes.append(self._spawn(slot))

    def restart_all(self) -> None:
        """Replaces each worker, bringing its replacement into service (on the same slot's
        socket) before retiring the old worker, as uvicorn's does."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._spawn(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    logger.error(
                        f"New child process [{new.pid}] was not ready in time; "
                        f"keeping worker [{old.pid}] and aborting the restart."
                    )
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung: kill it
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It failed before serving: the app or its settings are broken, and every
                # replacement would fail the same way.
                logger.error(
                    f"Child process [{process.pid}] failed to start, stopping the parent process."
                )
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info(f"Child process [{process.pid}] died")
            self.processes[slot] = self._spawn(slot)

    def handle_ttin(self) -> None:
        logger.info("Received SIGTTIN, increasing the number of processes.")
        self.processes_num += 1
        self._listen_on(self.config.host, self.config.port, self.processes_num)
        self.processes.append(self._spawn(self.processes_num - 1))

    def handle_ttou(self) -> None:
        super().handle_ttou()
        while len(self.listeners) > len(self.processes):
            # Connections still queued on it are reset, as when a lone server stops.
            self.listeners.pop().close()

    def run(self) -> None:
        try:
            super().run()
        finally:
            self._close_listeners()
