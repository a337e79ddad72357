"""A background job (ducha.jobs) as the endpoints that start one answer it: what the client polls, and where."""

from __future__ import annotations

import datetime

from ninja import Field, Schema


class BackgroundJobOut(Schema):
    id: int = Field(description="后台任务编号")
    kind: str
    status: str = Field(description="queued / running / done / failed / cancelled")
    done: int = Field(description="已完成的步数（本阶段）")
    total: int | None = Field(description="本阶段总步数（未知时为 null）")
    percent: int | None
    seconds_left: int | None = Field(description="预计剩余秒数（无法估计时为 null）")
    stage: str = Field(description="当前阶段")
    cancel_requested: bool
    error_code: str = Field(description="失败或取消的稳定错误码，其余为空")
    error: str
    summary: str
    url: str = Field(description="本任务的 API 地址（轮询状态和进度）")
    page_url: str = Field(description="任务页面（进度、取消、重试），网页端")
    download_url: str | None = Field(description="生成的文件（调用者此刻可下载时），否则为 null")
    expires_at: datetime.datetime | None = Field(description="文件保留至（到期删除）")
