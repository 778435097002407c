import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.type import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BillingModel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_MODEL_UNSPECIFIED: _ClassVar[BillingModel]
    BILLING_MODEL_TIME_AND_MATERIALS: _ClassVar[BillingModel]
    BILLING_MODEL_FIXED_FEE: _ClassVar[BillingModel]
    BILLING_MODEL_MILESTONE: _ClassVar[BillingModel]
    BILLING_MODEL_RETAINER: _ClassVar[BillingModel]

class ApprovalState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPROVAL_STATE_UNSPECIFIED: _ClassVar[ApprovalState]
    APPROVAL_STATE_SUBMITTED: _ClassVar[ApprovalState]
    APPROVAL_STATE_APPROVED: _ClassVar[ApprovalState]
    APPROVAL_STATE_REJECTED: _ClassVar[ApprovalState]

class ExpenseCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPENSE_CATEGORY_UNSPECIFIED: _ClassVar[ExpenseCategory]
    EXPENSE_CATEGORY_TRAVEL: _ClassVar[ExpenseCategory]
    EXPENSE_CATEGORY_LODGING: _ClassVar[ExpenseCategory]
    EXPENSE_CATEGORY_MEALS: _ClassVar[ExpenseCategory]
    EXPENSE_CATEGORY_EQUIPMENT: _ClassVar[ExpenseCategory]
    EXPENSE_CATEGORY_SOFTWARE: _ClassVar[ExpenseCategory]
    EXPENSE_CATEGORY_OTHER: _ClassVar[ExpenseCategory]

class InvoiceState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_STATE_UNSPECIFIED: _ClassVar[InvoiceState]
    INVOICE_STATE_DRAFT: _ClassVar[InvoiceState]
    INVOICE_STATE_ISSUED: _ClassVar[InvoiceState]
    INVOICE_STATE_PAID: _ClassVar[InvoiceState]
    INVOICE_STATE_VOID: _ClassVar[InvoiceState]

class LineItemKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINE_ITEM_KIND_UNSPECIFIED: _ClassVar[LineItemKind]
    LINE_ITEM_KIND_TIME: _ClassVar[LineItemKind]
    LINE_ITEM_KIND_EXPENSE: _ClassVar[LineItemKind]
    LINE_ITEM_KIND_MILESTONE: _ClassVar[LineItemKind]
    LINE_ITEM_KIND_FEE: _ClassVar[LineItemKind]
    LINE_ITEM_KIND_CAP_ADJUSTMENT: _ClassVar[LineItemKind]
BILLING_MODEL_UNSPECIFIED: BillingModel
BILLING_MODEL_TIME_AND_MATERIALS: BillingModel
BILLING_MODEL_FIXED_FEE: BillingModel
BILLING_MODEL_MILESTONE: BillingModel
BILLING_MODEL_RETAINER: BillingModel
APPROVAL_STATE_UNSPECIFIED: ApprovalState
APPROVAL_STATE_SUBMITTED: ApprovalState
APPROVAL_STATE_APPROVED: ApprovalState
APPROVAL_STATE_REJECTED: ApprovalState
EXPENSE_CATEGORY_UNSPECIFIED: ExpenseCategory
EXPENSE_CATEGORY_TRAVEL: ExpenseCategory
EXPENSE_CATEGORY_LODGING: ExpenseCategory
EXPENSE_CATEGORY_MEALS: ExpenseCategory
EXPENSE_CATEGORY_EQUIPMENT: ExpenseCategory
EXPENSE_CATEGORY_SOFTWARE: ExpenseCategory
EXPENSE_CATEGORY_OTHER: ExpenseCategory
INVOICE_STATE_UNSPECIFIED: InvoiceState
INVOICE_STATE_DRAFT: InvoiceState
INVOICE_STATE_ISSUED: InvoiceState
INVOICE_STATE_PAID: InvoiceState
INVOICE_STATE_VOID: InvoiceState
LINE_ITEM_KIND_UNSPECIFIED: LineItemKind
LINE_ITEM_KIND_TIME: LineItemKind
LINE_ITEM_KIND_EXPENSE: LineItemKind
LINE_ITEM_KIND_MILESTONE: LineItemKind
LINE_ITEM_KIND_FEE: LineItemKind
LINE_ITEM_KIND_CAP_ADJUSTMENT: LineItemKind

class MilestoneFee(_message.Message):
    __slots__ = ("milestone", "amount")
    MILESTONE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    milestone: str
    amount: _money_pb2.Money
    def __init__(self, milestone: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Engagement(_message.Message):
    __slots__ = ("name", "display_name", "projects", "billing_model", "currency_code", "cap", "payment_terms_days", "closed_through", "fee", "milestone_fees", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    BILLING_MODEL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_DAYS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_THROUGH_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_FEES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    projects: _containers.RepeatedScalarFieldContainer[str]
    billing_model: BillingModel
    currency_code: str
    cap: _money_pb2.Money
    payment_terms_days: int
    closed_through: _date_pb2.Date
    fee: _money_pb2.Money
    milestone_fees: _containers.RepeatedCompositeFieldContainer[MilestoneFee]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., projects: _Optional[_Iterable[str]] = ..., billing_model: _Optional[_Union[BillingModel, str]] = ..., currency_code: _Optional[str] = ..., cap: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., payment_terms_days: _Optional[int] = ..., closed_through: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., fee: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., milestone_fees: _Optional[_Iterable[_Union[MilestoneFee, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Rate(_message.Message):
    __slots__ = ("name", "engagement", "role", "hourly_rate", "start_date", "end_date", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    HOURLY_RATE_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    engagement: str
    role: str
    hourly_rate: _money_pb2.Money
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., engagement: _Optional[str] = ..., role: _Optional[str] = ..., hourly_rate: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TimeEntry(_message.Message):
    __slots__ = ("name", "person", "role", "project", "work_date", "hours", "minutes", "billable", "note", "approval_state", "invoice", "create_time", "update_time", "etag", "recorder")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    WORK_DATE_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    BILLABLE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_STATE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    RECORDER_FIELD_NUMBER: _ClassVar[int]
    name: str
    person: str
    role: str
    project: str
    work_date: _date_pb2.Date
    hours: str
    minutes: int
    billable: bool
    note: str
    approval_state: ApprovalState
    invoice: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    recorder: str
    def __init__(self, name: _Optional[str] = ..., person: _Optional[str] = ..., role: _Optional[str] = ..., project: _Optional[str] = ..., work_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., hours: _Optional[str] = ..., minutes: _Optional[int] = ..., billable: _Optional[bool] = ..., note: _Optional[str] = ..., approval_state: _Optional[_Union[ApprovalState, str]] = ..., invoice: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., recorder: _Optional[str] = ...) -> None: ...

class Expense(_message.Message):
    __slots__ = ("name", "project", "expense_date", "category", "amount", "receipt_reference", "billable", "note", "person", "invoice", "create_time", "approval_state", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    EXPENSE_DATE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    BILLABLE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    project: str
    expense_date: _date_pb2.Date
    category: ExpenseCategory
    amount: _money_pb2.Money
    receipt_reference: str
    billable: bool
    note: str
    person: str
    invoice: str
    create_time: _timestamp_pb2.Timestamp
    approval_state: ApprovalState
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., project: _Optional[str] = ..., expense_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., category: _Optional[_Union[ExpenseCategory, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., receipt_reference: _Optional[str] = ..., billable: _Optional[bool] = ..., note: _Optional[str] = ..., person: _Optional[str] = ..., invoice: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approval_state: _Optional[_Union[ApprovalState, str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class BillingPeriodLock(_message.Message):
    __slots__ = ("name", "period_start", "period_end", "locker", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    LOCKER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    period_start: _date_pb2.Date
    period_end: _date_pb2.Date
    locker: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., period_start: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., period_end: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., locker: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LineItem(_message.Message):
    __slots__ = ("kind", "description", "project", "role", "person", "milestone", "expense", "quantity", "unit_price", "amount")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_FIELD_NUMBER: _ClassVar[int]
    EXPENSE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    kind: LineItemKind
    description: str
    project: str
    role: str
    person: str
    milestone: str
    expense: str
    quantity: str
    unit_price: _money_pb2.Money
    amount: _money_pb2.Money
    def __init__(self, kind: _Optional[_Union[LineItemKind, str]] = ..., description: _Optional[str] = ..., project: _Optional[str] = ..., role: _Optional[str] = ..., person: _Optional[str] = ..., milestone: _Optional[str] = ..., expense: _Optional[str] = ..., quantity: _Optional[str] = ..., unit_price: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("name", "period_start", "period_end", "state", "line_items", "total", "credited", "notes", "purchase_order", "issue_date", "due_date", "paid_date", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CREDITED_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDER_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PAID_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    period_start: _date_pb2.Date
    period_end: _date_pb2.Date
    state: InvoiceState
    line_items: _containers.RepeatedCompositeFieldContainer[LineItem]
    total: _money_pb2.Money
    credited: _money_pb2.Money
    notes: str
    purchase_order: str
    issue_date: _date_pb2.Date
    due_date: _date_pb2.Date
    paid_date: _date_pb2.Date
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., period_start: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., period_end: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., state: _Optional[_Union[InvoiceState, str]] = ..., line_items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., credited: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., notes: _Optional[str] = ..., purchase_order: _Optional[str] = ..., issue_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., paid_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class CreditNote(_message.Message):
    __slots__ = ("name", "amount", "reason", "creator", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    amount: _money_pb2.Money
    reason: str
    creator: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., creator: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EarnedValue(_message.Message):
    __slots__ = ("bac", "pv", "ev", "ac", "cpi", "spi", "eac", "etc", "vac", "tcpi")
    BAC_FIELD_NUMBER: _ClassVar[int]
    PV_FIELD_NUMBER: _ClassVar[int]
    EV_FIELD_NUMBER: _ClassVar[int]
    AC_FIELD_NUMBER: _ClassVar[int]
    CPI_FIELD_NUMBER: _ClassVar[int]
    SPI_FIELD_NUMBER: _ClassVar[int]
    EAC_FIELD_NUMBER: _ClassVar[int]
    ETC_FIELD_NUMBER: _ClassVar[int]
    VAC_FIELD_NUMBER: _ClassVar[int]
    TCPI_FIELD_NUMBER: _ClassVar[int]
    bac: _money_pb2.Money
    pv: _money_pb2.Money
    ev: _money_pb2.Money
    ac: _money_pb2.Money
    cpi: str
    spi: str
    eac: _money_pb2.Money
    etc: _money_pb2.Money
    vac: _money_pb2.Money
    tcpi: str
    def __init__(self, bac: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., pv: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., ev: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., ac: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., cpi: _Optional[str] = ..., spi: _Optional[str] = ..., eac: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., etc: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., vac: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., tcpi: _Optional[str] = ...) -> None: ...

class FinancialReport(_message.Message):
    __slots__ = ("subject", "as_of", "budget", "actual_cost", "time_cost", "expense_cost", "remaining", "burn_rate_per_day", "percent_complete", "earned_value", "forecast_at_completion", "potential_savings", "projects")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_COST_FIELD_NUMBER: _ClassVar[int]
    TIME_COST_FIELD_NUMBER: _ClassVar[int]
    EXPENSE_COST_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    BURN_RATE_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    PERCENT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    EARNED_VALUE_FIELD_NUMBER: _ClassVar[int]
    FORECAST_AT_COMPLETION_FIELD_NUMBER: _ClassVar[int]
    POTENTIAL_SAVINGS_FIELD_NUMBER: _ClassVar[int]
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    subject: str
    as_of: _date_pb2.Date
    budget: _money_pb2.Money
    actual_cost: _money_pb2.Money
    time_cost: _money_pb2.Money
    expense_cost: _money_pb2.Money
    remaining: _money_pb2.Money
    burn_rate_per_day: _money_pb2.Money
    percent_complete: int
    earned_value: EarnedValue
    forecast_at_completion: _money_pb2.Money
    potential_savings: _money_pb2.Money
    projects: _containers.RepeatedCompositeFieldContainer[FinancialReport]
    def __init__(self, subject: _Optional[str] = ..., as_of: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., budget: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., actual_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., time_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., expense_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., remaining: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., burn_rate_per_day: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., percent_complete: _Optional[int] = ..., earned_value: _Optional[_Union[EarnedValue, _Mapping]] = ..., forecast_at_completion: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., potential_savings: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., projects: _Optional[_Iterable[_Union[FinancialReport, _Mapping]]] = ...) -> None: ...
