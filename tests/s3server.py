"""A real S3-compatible server for the object storage tests: moto's server (PyPI `moto[server]`) on a loopback port,
started once per test session, a fresh bucket per test. The code under test talks to it over HTTP with s3fs, as it
would to a provincial cloud's object storage."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "tracker-test", "AWS_SECRET_ACCESS_KEY": "tracker-test-secret", "AWS_DEFAULT_REGION": "us-east-1"}


class Server:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {**CREDENTIALS, "TRACKER_S3_ENDPOINT": self.endpoint}

    def new_bucket(self) -> str:
        """A fresh, empty bucket; its s3:// location with a prefix, as a deployment would use."""
        import boto3

        name = f"t-{uuid.uuid4().hex[:12]}"
        boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            **{k.lower(): v for k, v in CREDENTIALS.items() if k != "AWS_DEFAULT_REGION"},
            region_name="us-east-1",
        ).create_bucket(Bucket=name)
        return f"s3://{name}/tibet"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="session")
def s3_server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    """A fresh bucket on the server, and this process's environment pointed at it (credentials from the environment
    only, as deployed). Returns (uri, env for child processes)."""
    env = s3_server.env()
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return s3_server.new_bucket(), env
