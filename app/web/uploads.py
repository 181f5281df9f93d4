"""Reading an uploaded village table: multipart file, raw CSV/XLSX body, or JSON rows.

The body is read with a size limit before anything is parsed (413 beyond it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message

from app.errors import TooLarge, UnsupportedMediaType
from app.i18n import N_
from app.settings import SettingsDep
from app.web.json_rows import scan_rows
from app.web.problems import capped_validation_error
from models import ActualsError, InputError, InputIssue, VillageTableError
from models.tables import ActualsRowsCreate, DatasetBase, DatasetRowsCreate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Upload:
    name: str | None
    filename: str | None = None
    content: bytes | None = None  # a CSV or XLSX file
    rows: list[dict[str, Any]] | None = None  # JSON rows


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(
            N_("The upload has %(size)s bytes; the limit is %(limit)s bytes."),
            size=float(declared),
            limit=float(limit),
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise TooLarge(N_("The upload is over the limit of %(limit)s bytes."), limit=float(limit))
    return bytes(body)


def _replay(request: Request, body: bytes) -> Request:
    """A request whose body is the bytes already read, for Starlette's form parser."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def _checked_name(name: str | None, location: tuple[str, ...]) -> str | None:
    """A dataset name given beside a file obeys the same rules as one in JSON."""
    if name is None:
        return None
    try:
        return DatasetBase.model_validate({"name": name}).name
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": location} for e in exc.errors(include_url=False)]
        ) from None


def _refuse_unbounded_rows(
    body: bytes, max_rows: int, max_columns: int, error: type[InputError], what: str
) -> None:
    """More rows than a table may have, more columns than a row may have, or values nested in a
    row are refused before the body is parsed (a million small rows would cost gigabytes as
    objects, and a million broken rows a million error messages)."""
    refusal = scan_rows(body, max_rows, max_columns)
    if refusal is None:
        return
    if refusal.kind == "rows":
        message = f"the {what} has more than {max_rows:,} rows; the limit is {max_rows:,}"
        if error is VillageTableError:
            message = (
                f"the table has more than {max_rows:,} villages; the limit is {max_rows:,} "
                "(split it, e.g. by kabupaten)"
            )
    elif refusal.kind == "members":
        message = f"a row has more than {max_columns:,} columns; the limit is {max_columns:,}"
    else:
        message = "a row's values are numbers or text, not lists or objects"
    raise error([InputIssue(file="rows", row=refusal.row, message=message)])


async def read_upload(request: Request, settings: SettingsDep) -> Upload:
    """FastAPI dependency for POST /datasets."""
    body = await _read_limited(request, settings.max_upload_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    name = request.query_params.get("name")
    if content_type == "multipart/form-data":
        form = await _replay(request, body).form()
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise RequestValidationError(
                    [{"loc": ("body", "file"), "msg": "a CSV or XLSX file is required", "type": "missing"}]
                )
            form_name = form.get("name")
            return Upload(
                name=_checked_name(
                    form_name if isinstance(form_name, str) and form_name else name,
                    ("body", "name"),
                ),
                filename=upload.filename or "upload.csv",
                content=await upload.read(),
            )
        finally:
            await form.close()
    if content_type == "application/json":
        _refuse_unbounded_rows(body, settings.max_villages, settings.max_columns, VillageTableError, "table")
        try:
            data = DatasetRowsCreate.model_validate_json(body)
        except ValidationError as exc:
            raise capped_validation_error(exc, ("body",), settings.max_errors_listed) from None
        return Upload(name=data.name, filename=None, rows=data.rows)
    if content_type in ("text/csv", XLSX):
        extension = "csv" if content_type == "text/csv" else "xlsx"
        name = _checked_name(name, ("query", "name"))
        return Upload(name=name, filename=f"{name or 'upload'}.{extension}", content=body)
    raise UnsupportedMediaType(
        N_(
            "Content type '%(type)s' is not accepted: send multipart/form-data with "
            "a 'file' field, a text/csv or XLSX body, or JSON rows (application/json)."
        ),
        type=content_type or "none",
    )


def file_upload_body(
    description: str, rows: Any, csv_example: str, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    """OpenAPI: an upload as a multipart file (with `fields` beside it), JSON rows (`rows`, a
    model with an example), a CSV body or an XLSX body."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "name": {"type": "string", "description": "defaults to the file's name"},
                            **(fields or {}),
                        },
                    },
                },
                "application/json": {
                    "schema": rows.model_json_schema(),
                    "example": rows.model_config["json_schema_extra"]["examples"][0],
                },
                "text/csv": {"schema": {"type": "string"}, "example": csv_example},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


OPENAPI_BODY = file_upload_body(
    "The village table (contract section 1): a CSV or XLSX file, or JSON rows.",
    DatasetRowsCreate,
    "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n"
    "32.16.08.2010,Telajung,Cikarang Barat,1866348000,524\n",
)


# --- actuals: what was enrolled per village and month, against a plan -----------------------


@dataclass
class ActualsUpload:
    name: str | None
    through_month: int | None
    start: str | None
    filename: str | None = None
    content: bytes | None = None  # a CSV or XLSX file
    rows: list[dict[str, Any]] | None = None  # JSON rows


def _through_month(value: object, location: tuple[str, ...]) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 120:
        raise RequestValidationError(
            [{"loc": location, "msg": "a month of the plan's horizon, 1..120", "type": "value_error"}]
        )
    return int(text)


def _start(value: object, location: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if len(text) > 7:
        raise RequestValidationError(
            [{"loc": location, "msg": "the plan's first month: YYYY-MM or 1..12", "type": "value_error"}]
        )
    return text


async def read_actuals_upload(request: Request, settings: SettingsDep) -> ActualsUpload:
    """FastAPI dependency for POST /plans/{id}/actuals: a multipart file (with `through_month`,
    `start`, `name` fields), a text/csv or XLSX body (the same as query parameters), or JSON rows."""
    body = await _read_limited(request, settings.max_upload_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    query = request.query_params
    if content_type == "multipart/form-data":
        form = await _replay(request, body).form()
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise RequestValidationError(
                    [{"loc": ("body", "file"), "msg": "a CSV or XLSX file is required", "type": "missing"}]
                )

            def given(key: str) -> object:
                value = form.get(key)
                return value if isinstance(value, str) and value else query.get(key)

            return ActualsUpload(
                name=_checked_name(str(given("name")) if given("name") else None, ("body", "name")),
                through_month=_through_month(given("through_month"), ("body", "through_month")),
                start=_start(given("start"), ("body", "start")),
                filename=upload.filename or "actuals.csv",
                content=await upload.read(),
            )
        finally:
            await form.close()
    if content_type == "application/json":
        _refuse_unbounded_rows(
            body, settings.max_villages * 120, settings.max_columns, ActualsError, "upload"
        )
        try:
            data = ActualsRowsCreate.model_validate_json(body)
        except ValidationError as exc:
            raise capped_validation_error(exc, ("body",), settings.max_errors_listed) from None
        if len(data.rows) > settings.max_villages * 120:
            raise ActualsError(
                [
                    InputIssue(
                        file="rows",
                        message=f"{len(data.rows):,} rows are more than a plan's villages and months",
                    )
                ]
            )
        return ActualsUpload(
            name=data.name, through_month=data.through_month, start=data.start, rows=data.rows
        )
    if content_type in ("text/csv", XLSX):
        extension = "csv" if content_type == "text/csv" else "xlsx"
        name = _checked_name(query.get("name"), ("query", "name"))
        return ActualsUpload(
            name=name,
            through_month=_through_month(query.get("through_month"), ("query", "through_month")),
            start=_start(query.get("start"), ("query", "start")),
            filename=f"{name or 'actuals'}.{extension}",
            content=body,
        )
    raise UnsupportedMediaType(
        N_(
            "Content type '%(type)s' is not accepted: send multipart/form-data with "
            "a 'file' field, a text/csv or XLSX body, or JSON rows (application/json)."
        ),
        type=content_type or "none",
    )


# what the actuals reader takes as the plan's first month: YYYY-MM (years 2000..2100) or 1..12
MONTH_PATTERN = r"^((20[0-9]{2}|2100)-(0?[1-9]|1[0-2])|0?[1-9]|1[0-2])$"


def _month_patterned(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON rows' `start` with the same pattern as the form field's."""
    start = body["requestBody"]["content"]["application/json"]["schema"]["properties"]["start"]
    for choice in start.get("anyOf", [start]):
        if choice.get("type") == "string":
            choice["pattern"] = MONTH_PATTERN
    return body


ACTUALS_OPENAPI_BODY = _month_patterned(
    file_upload_body(
        'What was enrolled per village and month (README "Plan against actual"): a CSV or XLSX file, '
        "or JSON rows; `through_month` and `start` as form fields or query parameters.",
        ActualsRowsCreate,
        "Kode Desa;Bulan;Terdaftar Petani\n32.16.08.2010;2026-06;7\n",
        {
            "through_month": {
                "type": "integer",
                "minimum": 1,
                "maximum": 120,
                "description": "months of the plan past",
            },
            "start": {
                "type": "string",
                "pattern": MONTH_PATTERN,
                "description": "the plan's first month, YYYY-MM or 1..12",
            },
        },
    )
)
