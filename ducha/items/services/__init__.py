"""Writes on supervision items, one module per stage: registration (立项), assignment (交办, 签收, 转办), reports
(承办, 报告), review (审核, 办结, 归档), withdrawal (撤销), extension (延期), dispute (分歧), attachments, deadlines.

Every transition runs through the item's lifecycle runner (`base.LIFECYCLE`, see ducha.common.lifecycle): lock
the row → check who, status and guard → the service's own part → the status, audit event and notification from
the table in ducha.items.lifecycle. Services are keyword-only and raise ducha.common.errors (400/403/404/409) with
stable codes; on any error the transaction rolls back, so nothing is half done. The names are re-exported here:
callers write `services.item_sign`.
"""

from ducha.items.services.assignment import item_assign, item_delegate, item_sign
from ducha.items.services.attachments import item_attachment_add, item_view_record, secret_reads_record
from ducha.items.services.base import (
    LIFECYCLE,
    MAX_DEADLINE_WORKDAYS,
    CoUnit,
    MilestoneInput,
    deadline_default_workdays,
)
from ducha.items.services.batch import (
    BATCH_MAX,
    BatchRefusal,
    BatchResult,
    batch_run,
    items_batch_approve,
    items_batch_assign,
    items_batch_sign,
    items_batch_submit,
)
from ducha.items.services.deadlines import (
    calendar_arrangement_enter,
    deadline_recompute_candidates,
    item_deadlines_recompute,
)
from ducha.items.services.dispute import item_dispute_coordinate, item_dispute_escalate, item_dispute_rule
from ducha.items.services.extension import item_extension_decide, item_extension_request
from ducha.items.services.instructions import item_instruction_write, item_leader_set
from ducha.items.services.procedure import (
    RecheckDraw,
    item_consolidated_decide,
    item_consolidated_submit,
    item_milestone_done,
    item_plan_save,
    item_procedure_set,
    item_progress_check,
    item_site_check_record,
    recheck_record,
    rechecks_draw,
)
from ducha.items.services.registration import (
    item_approve,
    item_create,
    item_reject,
    item_revise,
    item_submit,
    item_update,
)
from ducha.items.services.reports import item_progress, item_report, item_report_approve, item_report_return
from ducha.items.services.review import item_archive, item_close, item_review
from ducha.items.services.sources import source_record_create, source_record_update
from ducha.items.services.withdrawal import item_cancel, item_cancel_approve, item_cancel_refuse

__all__ = [
    "BATCH_MAX",
    "LIFECYCLE",
    "MAX_DEADLINE_WORKDAYS",
    "BatchRefusal",
    "BatchResult",
    "CoUnit",
    "MilestoneInput",
    "RecheckDraw",
    "batch_run",
    "calendar_arrangement_enter",
    "deadline_default_workdays",
    "deadline_recompute_candidates",
    "item_approve",
    "item_archive",
    "item_assign",
    "item_attachment_add",
    "item_cancel",
    "item_cancel_approve",
    "item_cancel_refuse",
    "item_close",
    "item_consolidated_decide",
    "item_consolidated_submit",
    "item_create",
    "item_deadlines_recompute",
    "item_delegate",
    "item_dispute_coordinate",
    "item_dispute_escalate",
    "item_dispute_rule",
    "item_extension_decide",
    "item_extension_request",
    "item_instruction_write",
    "item_leader_set",
    "item_milestone_done",
    "item_plan_save",
    "item_procedure_set",
    "item_progress",
    "item_progress_check",
    "item_reject",
    "item_report",
    "item_report_approve",
    "item_report_return",
    "item_review",
    "item_revise",
    "item_sign",
    "item_site_check_record",
    "item_submit",
    "item_update",
    "item_view_record",
    "items_batch_approve",
    "items_batch_assign",
    "items_batch_sign",
    "items_batch_submit",
    "recheck_record",
    "rechecks_draw",
    "secret_reads_record",
    "source_record_create",
    "source_record_update",
]
