"""A loopback S3-compatible server for the tests of files kept in a bucket.

moto's server speaks the S3 REST API (signed requests, XML answers, real HTTP on
127.0.0.1); Kontrol talks to it with boto3 exactly as to AWS or MinIO.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ACCESS_KEY = "kontrol-test-access"
SECRET_KEY = "s3cr3t-" + "q" * 24


@dataclass(frozen=True)
class Bucket:
    """A fresh bucket on the loopback server, with a client to look inside it."""

    endpoint: str
    name: str
    client: Any

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """A new bucket, and the settings that make Kontrol keep every upload in it."""
    import boto3

    name = f"kontrol-{secrets.token_hex(6)}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="ru-central1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ru-central1"}
    )
    for key, value in {
        "KONTROL_FILE_STORE": "s3",
        "KONTROL_S3_ENDPOINT_URL": s3_endpoint,
        "KONTROL_S3_BUCKET": name,
        "KONTROL_S3_REGION": "ru-central1",
        "KONTROL_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "KONTROL_S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }.items():
        monkeypatch.setenv(key, value)
    return Bucket(s3_endpoint, name, client)
