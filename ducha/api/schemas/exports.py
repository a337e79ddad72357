"""Exports run as background jobs (ducha.jobs): what is asked, and the job's state, progress and file."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from ducha.api.schemas.common import ErrorOut


class ExportIn(Schema):
    query: str = Field(
        "",
        max_length=4000,
        description="台账的筛选条件，写法同台账页面地址的查询串，如 status=in_progress&light=red&sort=due&dir=asc；空为全部",
    )


class ExportJobOut(Schema):
    id: int
    kind: str
    label: str
    status: str = Field(description="queued / running / done / failed / cancelled")
    status_display: str
    query: str = Field(description="台账的筛选条件（规范写法）")
    done: int = Field(description="已写出的行数")
    total: int | None = Field(description="总行数（未知时为 null）")
    percent: int | None
    seconds_left: int | None = Field(description="预计剩余秒数（无法估计时为 null）")
    stage: str
    cancel_requested: bool
    error_code: str = Field(description="失败或取消的稳定错误码，其余为空")
    error: str
    summary: str
    attempt: int
    retry_of: int | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    filename: str
    size: int | None
    expires_at: datetime.datetime | None = Field(description="文件保留至此时刻，之后删除")
    download_url: str | None = Field(description="文件可下载时给出（下载时再次按当前权限校验）")
    download_refusal: ErrorOut | None = Field(description="已完成但文件不再提供的原因（已过期、权限已变）")


class ExportStartedOut(ExportJobOut):
    joined: bool = Field(
        description="true：已有同一导出在进行，本次加入它（HTTP 200）；false：新建（HTTP 202）"
    )
