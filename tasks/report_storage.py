"""Where report files go, and the artifacts that point at them.

Reports (inventory-reconciliation's CSV and chart, three-way-match's CSV) are written through a
Prefect filesystem block, so a report written on a worker can be where the people who read it
can open it: `ION_SYNC_REPORTS_BLOCK` names the block (`<block type>/<name>`, e.g.
`remote-file-system/reports` with an `s3://bucket/reports` basepath, or `s3-bucket/reports` from
prefect-aws); unset, a local-file-system block on `ION_SYNC_REPORTS_DIR`. Each file is then a
link artifact, and a chart is also an image artifact the Prefect UI shows: at the file's URL when
`ION_SYNC_REPORTS_URL` says where browsers reach the storage (a bucket's https address, a file
server), else embedded in the artifact as a `data:` URL (a chart is tens of kilobytes).
"""

from __future__ import annotations

import base64
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from prefect.artifacts import create_image_artifact, create_link_artifact
from prefect.blocks.core import Block
from prefect.filesystems import LocalFileSystem, WritableFileSystem
from prefect.utilities.asyncutils import run_coro_as_sync

from connectors.errors import ConfigError
from connectors.settings import load_settings
from core.config import AppSettings


@dataclass(frozen=True)
class StoredReport:
    name: str  # the file's name under the storage's base
    location: str  # where it was written: a local path, or the storage's own URL (s3://...)
    link: str  # what a browser opens: ION_SYNC_REPORTS_URL/<name>, else the location (file:// locally)


def report_storage(reports_dir: Path) -> WritableFileSystem:
    """The block `ION_SYNC_REPORTS_BLOCK` names, or a local-file-system block on `reports_dir`."""
    app = load_settings(AppSettings)
    if not app.reports_block:
        return LocalFileSystem(basepath=str(reports_dir))
    try:
        block = Block.load(app.reports_block)
    except (ValueError, RuntimeError) as exc:  # no such block, or no Prefect API to ask
        raise ConfigError(
            f"ION_SYNC_REPORTS_BLOCK names the block {app.reports_block!r}, which cannot be loaded ({exc}): "
            "create it (e.g. `prefect block create remote-file-system`) or unset ION_SYNC_REPORTS_BLOCK to write to ION_SYNC_REPORTS_DIR"
        ) from None
    if not isinstance(block, WritableFileSystem):
        raise ConfigError(
            f"ION_SYNC_REPORTS_BLOCK: {app.reports_block!r} is a {type(block).__name__}, not a filesystem block ion-sync can write to"
        )
    return block


def store_report(name: str, content: bytes, reports_dir: Path) -> StoredReport:
    """Write one report file through the report storage."""
    storage = report_storage(reports_dir)
    written: Any = storage.write_path(name, content)
    if inspect.isawaitable(written):  # a block whose write_path is async only
        written = run_coro_as_sync(cast(Any, written))
    location = str(written or name)
    public = load_settings(AppSettings).reports_url
    if public:
        link = f"{public.rstrip('/')}/{name}"
    elif isinstance(storage, LocalFileSystem):
        link = Path(location).resolve().as_uri()
    else:
        link = location
    return StoredReport(name=name, location=location, link=link)


def publish_report_link(integration: str, report: StoredReport, what: str) -> None:
    """A link artifact (`<integration>-<extension>`) to a stored report file."""
    extension = report.name.rsplit(".", 1)[-1]
    create_link_artifact(
        key=f"{integration}-{extension}", link=report.link, link_text=report.name, description=f"{what}: {report.location}"
    )


def publish_chart(integration: str, report: StoredReport, png: bytes, what: str) -> None:
    """The chart as an image artifact (`<integration>-chart`), and a link to its file."""
    public = load_settings(AppSettings).reports_url
    image_url = report.link if public else "data:image/png;base64," + base64.b64encode(png).decode()
    create_image_artifact(image_url=image_url, key=f"{integration}-chart", description=f"{what} ({report.location})")
    publish_report_link(integration, report, what)
