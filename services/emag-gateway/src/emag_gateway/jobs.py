"""Background jobs (the first sync, imports): leased, resumable, with progress per step.

A job's step writes its data and advances the job's cursor in one transaction
(`JobContext.checkpoint`), so a job interrupted by a restart resumes from the last page it
stored: it neither starts over nor leaves half a state. A job is leased by one process at a
time; a lease that runs out (the process died) lets any process take the job over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from taraba_platform.deps import SessionDep
from taraba_platform.errors import NotFound
from taraba_platform.http import LifespanHook
from taraba_platform.runtime import ServiceRuntime

from emag_gateway.models import emag_jobs

log = logging.getLogger(__name__)

JobKind = Literal["initial_sync", "import"]
LEASE_SECONDS = 60
MAX_JOB_ATTEMPTS = 5


class LeaseLost(RuntimeError):
    """The job was taken over or cancelled while this process ran it."""


class StepProgress(BaseModel):
    name: str
    status: Literal["pending", "running", "done", "failed"] = "pending"
    done: int = 0
    total: int | None = None
    errors: int = 0
    messages: list[str] = []


class JobContext:
    """What a running job's code uses: the app, its cursor and progress, and checkpoints."""

    def __init__(self, app: FastAPI, runtime: ServiceRuntime, job: Any, owner: str) -> None:
        self.app = app
        self.runtime = runtime
        self.id: uuid.UUID = job.id
        self.account_id: uuid.UUID = job.account_id
        self.params: dict[str, Any] = dict(job.params)
        self.cursor: dict[str, Any] = dict(job.cursor)
        self.steps: list[StepProgress] = [StepProgress(**s) for s in job.progress.get("steps", [])]
        self.owner = owner

    def step(self, name: str) -> StepProgress:
        for step in self.steps:
            if step.name == name:
                return step
        step = StepProgress(name=name)
        self.steps.append(step)
        return step

    def plan(self, names: list[str]) -> None:
        for name in names:
            self.step(name)

    async def checkpoint(self, session: AsyncSession | None = None) -> None:
        """Store cursor and progress (and extend the lease), in `session`'s transaction when
        given, so they commit together with the data the step just wrote."""
        values = {
            "cursor": self.cursor,
            "progress": {"steps": [s.model_dump() for s in self.steps]},
            "lease_until": sa.func.now() + sa.text(f"interval '{LEASE_SECONDS} seconds'"),
            "updated_at": sa.func.now(),
        }
        stmt = (
            emag_jobs.update()
            .where(emag_jobs.c.id == self.id, emag_jobs.c.lease_owner == self.owner)
            .values(**values)
        )
        if session is not None:
            result = await session.execute(stmt)
        else:
            async with self.runtime.session_factory() as own, own.begin():
                result = await own.execute(stmt)
        if result.rowcount == 0:  # type: ignore[attr-defined]
            # Another process took the job over, or its account was deleted: stop writing
            # (raising also rolls back what this step wrote in `session`).
            raise LeaseLost(f"job {self.id} is no longer leased by this process")


JobHandler = Callable[[JobContext], Awaitable[None]]


async def create_job(
    session: AsyncSession,
    account_id: uuid.UUID,
    kind: JobKind,
    params: dict[str, Any] | None = None,
) -> Any:
    return (
        await session.execute(
            emag_jobs.insert()
            .values(
                id=uuid.uuid4(),
                account_id=account_id,
                kind=kind,
                status="queued",
                params=params or {},
                progress={"steps": []},
                cursor={},
            )
            .returning(*emag_jobs.c)
        )
    ).one()


async def active_job(session: AsyncSession, account_id: uuid.UUID, kind: JobKind) -> Any:
    return (
        await session.execute(
            sa.select(emag_jobs)
            .where(
                emag_jobs.c.account_id == account_id,
                emag_jobs.c.kind == kind,
                emag_jobs.c.status.in_(("queued", "running")),
            )
            .limit(1)
        )
    ).first()


def wake_runner(app: FastAPI) -> None:
    event: asyncio.Event | None = getattr(app.state, "job_wakeup", None)
    if event is not None:
        event.set()


class JobRunner:
    def __init__(
        self,
        app: FastAPI,
        runtime: ServiceRuntime,
        handlers: dict[str, JobHandler],
        poll_interval: float = 1.0,
        max_concurrent: int = 4,
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.handlers = handlers
        self.poll_interval = poll_interval
        self.max_concurrent = max_concurrent
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.wakeup = asyncio.Event()

    async def claim(self) -> Any:
        async with self.runtime.session_factory() as session, session.begin():
            # Claims are serialised across processes, so the "one job per account" check
            # below cannot be passed by two replicas at once.
            await session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('emag-jobs'))"))
            busy = emag_jobs.alias("busy")
            pending = (
                sa.select(emag_jobs.c.id)
                .where(
                    emag_jobs.c.status.in_(("queued", "running")),
                    sa.or_(
                        emag_jobs.c.lease_until.is_(None), emag_jobs.c.lease_until < sa.func.now()
                    ),
                    # One job per account at a time: a sync and an import never interleave.
                    ~sa.exists().where(
                        busy.c.account_id == emag_jobs.c.account_id,
                        busy.c.id != emag_jobs.c.id,
                        busy.c.lease_owner.is_not(None),
                        busy.c.lease_until > sa.func.now(),
                    ),
                )
                .order_by(emag_jobs.c.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            return (
                await session.execute(
                    emag_jobs.update()
                    .where(emag_jobs.c.id == pending)
                    .values(
                        status="running",
                        lease_owner=self.owner,
                        lease_until=sa.func.now() + sa.text(f"interval '{LEASE_SECONDS} seconds'"),
                        started_at=sa.func.coalesce(emag_jobs.c.started_at, sa.func.now()),
                        attempts=emag_jobs.c.attempts + 1,
                        updated_at=sa.func.now(),
                    )
                    .returning(*emag_jobs.c)
                )
            ).first()

    async def run_forever(self) -> None:
        """Up to `max_concurrent` jobs at once (one per account), so a slow or failing account
        never holds up another's sync or import."""
        slots = asyncio.Semaphore(self.max_concurrent)
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                await slots.acquire()
                try:
                    job = await self.claim()
                except Exception:
                    log.exception("could not claim a job")
                    job = None
                if job is None:
                    slots.release()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wakeup.wait(), self.poll_interval)
                    self.wakeup.clear()
                    continue
                task = asyncio.create_task(self.run(job), name=f"emag-job-{job.id}")
                running.add(task)
                task.add_done_callback(running.discard)
                task.add_done_callback(lambda _: slots.release())
        finally:
            for task in list(running):
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def run(self, job: Any) -> None:
        context = JobContext(self.app, self.runtime, job, self.owner)
        handler = self.handlers[job.kind]
        heartbeat = asyncio.create_task(self._heartbeat(job.id))
        status, error = "done", None
        try:
            log.info("job started", extra={"job_id": str(job.id), "kind": job.kind})
            await handler(context)
        except asyncio.CancelledError:
            # The process is stopping: hand the job back at once (a crash instead leaves it
            # to the lease running out), so the next process resumes it from its cursor.
            heartbeat.cancel()
            await asyncio.shield(self._release(job.id))
            raise
        except LeaseLost:
            log.warning(
                "job lost its lease; another process or a cancel owns it now",
                extra={"job_id": str(job.id)},
            )
            return
        except Exception as exc:
            log.exception("job failed", extra={"job_id": str(job.id)})
            error = f"{type(exc).__name__}: {exc}"[:2000]
            status = "failed" if job.attempts >= MAX_JOB_ATTEMPTS else "queued"
        finally:
            heartbeat.cancel()
        if status == "done":
            with contextlib.suppress(LeaseLost):
                await context.checkpoint()
        # The cursor and progress are only ever written with the data they describe
        # (checkpoints): a failure leaves them at the last committed page.
        async with self.runtime.session_factory() as session, session.begin():
            await session.execute(
                emag_jobs.update()
                .where(emag_jobs.c.id == job.id, emag_jobs.c.lease_owner == self.owner)
                .values(
                    status=status,
                    error=error,
                    lease_owner=None,
                    # A job that will be retried waits a little: the fault may need a moment.
                    lease_until=(
                        sa.func.now()
                        + sa.func.make_interval(0, 0, 0, 0, 0, 0, min(300, 5 * job.attempts**2))
                    )
                    if status == "queued"
                    else None,
                    finished_at=sa.func.now() if status in ("done", "failed") else None,
                    updated_at=sa.func.now(),
                )
            )
        log.info("job ended", extra={"job_id": str(job.id), "status": status})

    async def _release(self, job_id: uuid.UUID) -> None:
        with contextlib.suppress(Exception):
            async with self.runtime.session_factory() as session, session.begin():
                await session.execute(
                    emag_jobs.update()
                    .where(emag_jobs.c.id == job_id, emag_jobs.c.lease_owner == self.owner)
                    .values(lease_owner=None, lease_until=None, updated_at=sa.func.now())
                )

    async def _heartbeat(self, job_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 4)
            with contextlib.suppress(Exception):
                async with self.runtime.session_factory() as session, session.begin():
                    await session.execute(
                        emag_jobs.update()
                        .where(emag_jobs.c.id == job_id, emag_jobs.c.lease_owner == self.owner)
                        .values(
                            lease_until=sa.func.now()
                            + sa.text(f"interval '{LEASE_SECONDS} seconds'")
                        )
                    )


def job_runner_hook(handlers: dict[str, JobHandler], enabled: bool = True) -> LifespanHook:
    @contextlib.asynccontextmanager
    async def hook(app: FastAPI, runtime: ServiceRuntime) -> AsyncIterator[None]:
        if not enabled:
            yield
            return
        runner = JobRunner(app, runtime, handlers)
        app.state.job_wakeup = runner.wakeup
        task = asyncio.create_task(runner.run_forever(), name="emag-job-runner")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return hook


router = APIRouter(prefix="/emag/jobs", tags=["emag jobs"])


class JobOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    kind: str
    status: str
    params: dict[str, Any]
    steps: list[StepProgress]
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_out(row: Any) -> JobOut:
    return JobOut(
        id=row.id,
        account_id=row.account_id,
        kind=row.kind,
        status=row.status,
        params=row.params,
        steps=[StepProgress(**s) for s in row.progress.get("steps", [])],
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


@router.get("/{job_id}", response_model=JobOut, summary="A job's progress, step by step")
async def read_job(job_id: uuid.UUID, session: SessionDep) -> JobOut:
    row = (await session.execute(sa.select(emag_jobs).where(emag_jobs.c.id == job_id))).first()
    if row is None:
        raise NotFound(f"job {job_id} does not exist", "job_id")
    return job_out(row)


@router.get("", response_model=list[JobOut], summary="Recent jobs, newest first")
async def list_jobs(
    session: SessionDep,
    account_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[JobOut]:
    query = sa.select(emag_jobs).order_by(emag_jobs.c.created_at.desc()).limit(limit)
    if account_id:
        query = query.where(emag_jobs.c.account_id == account_id)
    if status:
        query = query.where(emag_jobs.c.status == status)
    return [job_out(row) for row in await session.execute(query)]
