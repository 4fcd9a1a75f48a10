"""The decisions of ``POST /api/ingest``, independent of sockets and HTTP framing.

Owns the order in which the sandbox judges a request and what it answers:

1. fault injection (scripted, then seeded random) - a faulted request is answered by the
   fault and judged no further (it takes no rate-limit token);
2. rate limit per client address (429, optional ``Retry-After`` / ``Retry-After-Ms``);
3. credentials: missing ``X-OrgId``/``X-Converge-Key`` -> 401; a pair not accepted -> 403;
4. ``Content-Type: application/json`` -> else 400;
5. strict JSON (no NaN/Infinity) -> else 400;
6. the contract check: envelope -> 400, more than 20 events -> 413, any invalid event ->
   400 naming the event index and field; the whole request is rejected;
7. store the events (de-duplicated by org ID + ``activityId``) and answer 202.

Every ingest request ends in exactly one request-log entry (:mod:`.ingest_log`).  The
answers' pure rules (content type, status for a list of problems, error bodies,
``Retry-After`` headers) are in :mod:`.ingest_rules`.  The HTTP handler executes the
returned :class:`Decision` (delays, holds, resets, writing the response).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from seeka_nb import schema

from .contract_check import InvalidJSONError, Problem, check_body, parse_body
from .faults import FaultKind, FaultPlan, RateLimiter
from .ingest_log import log_request
from .ingest_log import request_line as request_line  # re-exported
from .ingest_rules import (
    RetryAfterMode,
    error_body,
    event_count,
    header_warnings,
    is_json_content_type,
    retry_headers,
    status_for,
    summary,
)
from .store import Recorder

__all__ = ["Decision", "IngestConfig", "IngestService", "Ticket", "request_line"]

MAX_PROBLEMS_IN_RESPONSE = 20  # the body stays small; the count says how many there were


@dataclass(frozen=True, slots=True)
class IngestConfig:
    """Validated settings the ingest decisions depend on."""

    accepted_credentials: frozenset[tuple[str, str]] | None = None
    reject: Callable[[dict[str, Any]], bool] | None = None
    retry_after: RetryAfterMode = "none"
    penalty: float = 1.0
    latency: float = 0.0
    slow_delay: float = 1.0
    timeout_hold: float = 5.0


@dataclass(frozen=True, slots=True)
class Ticket:
    """An ingest request that has been numbered and assigned its fault."""

    request: int
    received_at: float
    client: str
    client_port: int
    fault: FaultKind | None


@dataclass(slots=True)
class Decision:
    """What the handler must do: answer, reset the connection, or hold it then close."""

    action: Literal["respond", "reset", "timeout"]
    status: int | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hold: float = 0.0


class IngestService:
    """Judges ingest requests; shared by every connection thread (thread-safe)."""

    def __init__(
        self,
        config: IngestConfig,
        recorder: Recorder,
        plan: FaultPlan,
        limiter: RateLimiter | None,
    ) -> None:
        self.config = config
        self.recorder = recorder
        self.plan = plan
        self.limiter = limiter

    # -- step 0: number the request and pick its fault --------------------------------
    def begin(self, client: str, client_port: int) -> Ticket:
        """Number an arriving ingest request and decide its fault."""
        number = self.recorder.next_request_number()
        return Ticket(number, time.time(), client, client_port, self.plan.next())

    def delay_for(self, ticket: Ticket) -> float:
        """Seconds to wait before judging the request."""
        extra = self.config.slow_delay if ticket.fault == "slow" else 0.0
        return self.config.latency + extra

    def abort(self, ticket: Ticket, headers: Mapping[str, str], reason: str) -> None:
        """Log a request cut short before an answer (sandbox stopping, client gone)."""
        log_request(self.recorder, ticket, headers, status=None, error=reason)

    def refuse(
        self,
        client: tuple[str, int],
        headers: Mapping[str, str],
        status: int,
        code: str,
        message: str,
    ) -> Decision:
        """Answer a request whose body could not be read (no fault drawn, still logged)."""
        number = self.recorder.next_request_number()
        ticket = Ticket(number, time.time(), client[0], client[1], None)
        return self._reject(ticket, headers, status, code, message)

    def reset(self) -> None:
        """Forget recordings and rate-limit state (faults and their RNG are kept)."""
        self.recorder.reset()
        if self.limiter is not None:
            self.limiter.reset()

    # -- steps 1-7 ----------------------------------------------------------------------
    def decide(self, ticket: Ticket, headers: Mapping[str, str], body: bytes) -> Decision:
        """Judge the request; ``headers`` has lower-case names."""
        fault = ticket.fault
        if fault in ("reset", "timeout"):
            log_request(self.recorder, ticket, headers, status=None, error=f"fault_{fault}")
            hold = self.config.timeout_hold if fault == "timeout" else 0.0
            return Decision(action=fault, hold=hold)  # type: ignore[arg-type]
        if isinstance(fault, int):
            decision = Decision(
                "respond",
                fault,
                error_body("injected_fault", f"Sandbox fault injection: answering {fault}"),
            )
            if fault == 429:
                decision.headers.update(retry_headers(self.config.retry_after, self.config.penalty))
            log_request(self.recorder, ticket, headers, status=fault, error="injected_fault")
            return decision
        decision = self._judge(ticket, headers, body)
        if fault == "reset_after_accept" and decision.status == schema.ACCEPTED_STATUS:
            return Decision("reset")
        return decision

    def _judge(self, ticket: Ticket, headers: Mapping[str, str], body: bytes) -> Decision:
        if self.limiter is not None:
            wait = self.limiter.check(ticket.client)
            if wait is not None:
                limit = f"{self.limiter.rate:g} requests/s per client address"
                return self._reject(
                    ticket,
                    headers,
                    429,
                    "rate_limited",
                    f"Too many requests (limit {limit}); slow down and retry later.",
                    extra_headers=retry_headers(self.config.retry_after, wait),
                )
        org_id = headers.get(schema.HEADER_ORG_ID.lower(), "").strip()
        key = headers.get(schema.HEADER_KEY.lower(), "").strip()
        if not org_id or not key:
            missing = [
                n for n, v in ((schema.HEADER_ORG_ID, org_id), (schema.HEADER_KEY, key)) if not v
            ]
            return self._reject(
                ticket,
                headers,
                401,
                "missing_credentials",
                f"Missing header(s) {', '.join(missing)}: send the "
                "organisation ID and the brand's public key.",
            )
        allowed = self.config.accepted_credentials
        if allowed is not None and (org_id, key) not in allowed:
            return self._reject(
                ticket,
                headers,
                403,
                "forbidden",
                "This X-OrgId / X-Converge-Key pair is not accepted: check "
                "the organisation ID and the brand's public key.",
            )
        content_type = headers.get("content-type", "")
        if not is_json_content_type(content_type):
            return self._reject(
                ticket,
                headers,
                400,
                "invalid_content_type",
                f"Content-Type must be {schema.CONTENT_TYPE} (UTF-8), got {content_type[:80]!r}.",
            )
        try:
            parsed = parse_body(body)
        except InvalidJSONError as exc:
            return self._reject(ticket, headers, 400, "invalid_json", str(exc))
        problems = check_body(parsed)
        problems += self._chosen_rejections(parsed, problems)
        n_events = event_count(parsed)
        warnings = [p for p in problems if p.severity == "warning"]
        warnings += header_warnings(headers)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            status, code = status_for(errors)
            return self._reject(
                ticket,
                headers,
                status,
                code,
                summary(errors),
                problems=errors,
                n_events=n_events,
                n_warnings=len(warnings),
            )
        assert isinstance(parsed, dict)
        events = parsed["data"]
        new, duplicates = self.recorder.store(ticket.request, ticket.received_at, org_id, events)
        log_request(
            self.recorder,
            ticket,
            headers,
            status=schema.ACCEPTED_STATUS,
            n_events=len(events),
            accepted=new,
            duplicates=duplicates,
            n_warnings=len(warnings),
            problems=warnings,
        )
        body_out = {
            "status": "accepted",
            "request": ticket.request,
            "events": len(events),
            "accepted": new,
            "duplicates": duplicates,
            "warnings": [p.to_dict() for p in warnings[:MAX_PROBLEMS_IN_RESPONSE]],
            "warning_count": len(warnings),
        }
        return Decision("respond", schema.ACCEPTED_STATUS, body_out)

    # -- helpers --------------------------------------------------------------------------
    def _chosen_rejections(self, parsed: object, problems: list[Problem]) -> list[Problem]:
        """Events refused by ``Sandbox(reject=...)`` (only in an otherwise valid body)."""
        rule = self.config.reject
        if rule is None or any(p.severity == "error" for p in problems):
            return []
        assert isinstance(parsed, dict)
        out = []
        for i, event in enumerate(parsed["data"]):
            try:
                refused = bool(rule(event))
            except Exception as exc:  # a broken predicate must not take the server down
                refused, why = True, f"the reject= function raised {type(exc).__name__}"
            else:
                why = "refused on purpose by the sandbox (reject=)"
            if refused:
                out.append(Problem(i, "ev.payload.activityId", why, "error", "rejected_by_sandbox"))
        return out

    def _reject(
        self,
        ticket: Ticket,
        headers: Mapping[str, str],
        status: int,
        code: str,
        message: str,
        *,
        problems: list[Problem] | None = None,
        n_events: int | None = None,
        n_warnings: int = 0,
        extra_headers: dict[str, str] | None = None,
    ) -> Decision:
        body = error_body(code, message)
        if problems:
            body["problems"] = [p.to_dict() for p in problems[:MAX_PROBLEMS_IN_RESPONSE]]
            body["problem_count"] = len(problems)
        log_request(
            self.recorder,
            ticket,
            headers,
            status=status,
            error=code,
            n_events=n_events,
            n_warnings=n_warnings,
            problems=problems,
        )
        return Decision("respond", status, body, dict(extra_headers or {}))
