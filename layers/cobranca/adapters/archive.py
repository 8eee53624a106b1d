"""Raw payload archive in S3: every inbound body is stored before anything reads it.

Keys are ``raw/<tenant>/<source>/<yyyy>/<mm>/<dd>/<received-at>-<digest>.<ext>``; the digest of
the body makes the key of a replayed delivery identical, so a retry never multiplies copies.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from cobranca.platform import aws, clock
from cobranca.platform.settings import get_settings


def archive_raw(
    tenant_id: str,
    source: str,
    body: bytes,
    *,
    content_type: str = "application/json",
    received_at: datetime | None = None,
    metadata: dict[str, str] | None = None,
) -> str:
    """Store ``body`` as received and return its key."""
    moment = received_at or clock.now()
    digest = hashlib.sha256(body).hexdigest()[:24]
    extension = "json" if "json" in content_type else "bin"
    key = f"raw/{tenant_id}/{source}/{moment:%Y/%m/%d}/{moment:%H%M%S}-{digest}.{extension}"
    aws.client("s3").put_object(
        Bucket=get_settings().raw_bucket,
        Key=key,
        Body=body,
        ContentType=content_type,
        Metadata=metadata or {},
    )
    return key


def read_object(key: str) -> bytes:
    """Read an object of the raw bucket (bank files, archived payloads)."""
    response = aws.client("s3").get_object(Bucket=get_settings().raw_bucket, Key=key)
    body: bytes = response["Body"].read()
    return body


def write_object(key: str, body: bytes, content_type: str = "application/octet-stream") -> str:
    """Write an object of the raw bucket (remessa files, exports); returns its key."""
    aws.client("s3").put_object(
        Bucket=get_settings().raw_bucket, Key=key, Body=body, ContentType=content_type
    )
    return key
