"""Commands of speech: measure recordings, recognise them, watch a folder,
retention and "forget this customer"."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from kontrol.accounts.workspaces import DEFAULT_WORKSPACE
from kontrol.cli.options import DbOption, WorkspaceOption, open_workspace, reports_errors

speech_app = typer.Typer(
    help="Calls from the recording: audio figures, recognition, retention.",
    no_args_is_help=True,
)


def _figures_text(figures: dict[str, object]) -> str:
    lines = [
        f"duration {figures['duration']} s, {figures['channels']} channel(s)",
        f"talk ratio (agent) {figures['talk_ratio']}, silence ratio {figures['silence_ratio']}",
    ]
    for speaker in figures["speakers"]:  # type: ignore[attr-defined]
        lines.append(
            f"{speaker['role']}: talk {speaker['talk_seconds']} s in {len(speaker['turns'])} turns,"
            f" rate {speaker['speech_rate']} syl/s, level {speaker['level_db']} dBFS,"
            f" pitch {speaker['pitch_hz']} Hz (range {speaker['pitch_range_st']} st),"
            f" raised voice {len(speaker['raised'])} time(s)"
        )
    silences = figures["silences"]
    lines.append(f"silences over 1 s: {len(silences)}")  # type: ignore[arg-type]
    overlaps = figures["overlaps"]
    if overlaps is not None:
        lines.append(
            f"overlaps: {len(overlaps)}, interruptions: {figures['interruptions']}"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


@speech_app.command("analyse")
@reports_errors
def analyse_file(
    recording: Annotated[Path, typer.Argument(help="WAV, MP3, OGG/Opus or FLAC file.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    roles: Annotated[
        str, typer.Option(help="Channel roles, left first (mono: one role).")
    ] = "agent,customer",
) -> None:
    """Measure one recording without a database: talk, silences, overlaps, loudness, pitch."""
    from kontrol.speech.analysis import analyse
    from kontrol.speech.audio import decode

    audio = decode(recording)
    names = [r.strip() for r in roles.split(",") if r.strip()]
    figures = analyse(audio, names if audio.channels > 1 else names[:1]).as_json()
    typer.echo(json.dumps(figures, ensure_ascii=False) if json_output else _figures_text(figures))


@speech_app.command("measure")
@reports_errors
def measure_interaction(
    interaction: Annotated[int, typer.Argument(help="The interaction's number.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Measure a stored call's recording and keep the figures."""
    from kontrol.speech.recordings import measure

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        row = measure(connection, target.id, interaction)
    assert row.figures is not None
    typer.echo(_figures_text(row.figures))


@speech_app.command("recognise")
@reports_errors
def recognise_interaction(
    interaction: Annotated[int, typer.Argument(help="The interaction's number.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Queue a measured call for recognition and run the queue until it is done."""
    from kontrol.jobs import run_due_jobs
    from kontrol.speech.recordings import measure, queue_recognition, recording_of

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        row = recording_of(connection, target.id, interaction) or measure(
            connection, target.id, interaction
        )
        queued = queue_recognition(connection, target.id, row.id)
    if queued:
        run_due_jobs(engine)
    with engine.connect() as connection:
        after = recording_of(connection, target.id, interaction)
    assert after is not None
    from kontrol.speech.recognisers import recognition_error_text

    error = recognition_error_text(after.error, "en") if after.recognition != "done" else None
    typer.echo(f"recognition: {after.recognition}" + (f" ({error})" if error else ""))


@speech_app.command("watch")
@reports_errors
def watch_folder(
    folder: Annotated[Path, typer.Argument(help="The folder telephony drops recordings into.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes.")] = 5.0,
    quiet: Annotated[
        float, typer.Option(help="A file unchanged this many seconds is complete.")
    ] = 2.0,
) -> None:
    """Import every recording dropped into FOLDER (with an optional <name>.json beside it)."""
    from kontrol.jobs import run_due_jobs
    from kontrol.speech.watch import scan

    if not folder.is_dir():
        raise typer.BadParameter(f"{folder}: not a folder")
    engine, target = open_workspace(db, workspace)
    while True:
        report = scan(engine, target, folder, quiet_seconds=quiet)
        for name in report.imported:
            typer.echo(f"imported {name}")
        for reason in report.rejected:
            typer.echo(f"rejected {reason}", err=True)
        if report.queued:
            run_due_jobs(engine)
        if once:
            return
        time.sleep(interval)


@speech_app.command("retention")
@reports_errors
def retention(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    recordings_days: Annotated[int | None, typer.Option(help="Delete recordings after.")] = None,
    transcripts_days: Annotated[int | None, typer.Option(help="Delete transcripts after.")] = None,
    customers_days: Annotated[int | None, typer.Option(help="Anonymise customers after.")] = None,
    interactions_days: Annotated[
        int | None, typer.Option(help="Empty interactions after (counts stay).")
    ] = None,
    keep_originals: Annotated[
        bool | None,
        typer.Option(
            "--keep-originals/--no-keep-originals",
            help="Keep the originals of masked personal data, for admins only"
            " (--no-keep-originals deletes those kept).",
        ),
    ] = None,
    run: Annotated[bool, typer.Option("--run", help="Apply the policy now.")] = False,
) -> None:
    """Set the workspace's retention policy (days; 0 keeps for ever), or apply it with --run."""
    from kontrol.settings import current_settings
    from kontrol.speech.retention import RetentionPolicy, apply_retention, get_policy, set_policy

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        if run:
            done = apply_retention(
                connection,
                target.id,
                recordings_dir=Path(current_settings().recordings_dir),
                by="cli",
            )
            typer.echo(
                f"deleted recordings {done.recordings}, transcript lines {done.transcripts};"
                f" anonymised customers {done.customers}; emptied interactions {done.interactions}"
            )
            return
        changes = (recordings_days, transcripts_days, customers_days, interactions_days)
        if any(value is not None for value in changes) or keep_originals is not None:
            old = get_policy(connection, target.id)

            def pick(new: int | None, current: int | None) -> int | None:
                return current if new is None else (new or None)

            set_policy(
                connection,
                target.id,
                RetentionPolicy(
                    pick(recordings_days, old.recordings_days),
                    pick(transcripts_days, old.transcripts_days),
                    pick(interactions_days, old.interactions_days),
                    pick(customers_days, old.customers_days),
                    old.keep_originals if keep_originals is None else keep_originals,
                ),
                by="cli",
                recordings_dir=Path(current_settings().recordings_dir),
            )
        policy = get_policy(connection, target.id)
    typer.echo(
        json.dumps(
            {
                "recordings_days": policy.recordings_days,
                "transcripts_days": policy.transcripts_days,
                "customers_days": policy.customers_days,
                "interactions_days": policy.interactions_days,
                "keep_originals": policy.keep_originals,
            }
        )
    )


@speech_app.command("forget")
@reports_errors
def forget_command(
    customer_id: Annotated[str, typer.Argument(help="The customer_id to forget.")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Remove or anonymise everything about one customer, with a record that it was done."""
    from kontrol.settings import current_settings
    from kontrol.speech.retention import forget_customer

    engine, target = open_workspace(db, workspace)
    with engine.begin() as connection:
        done = forget_customer(
            connection,
            target.id,
            customer_id,
            recordings_dir=Path(current_settings().recordings_dir),
            by="cli",
        )
    typer.echo(
        f"forgotten: {done.interactions} interaction(s), {done.recordings} recording(s),"
        f" {done.transcripts} transcript line(s)"
    )


@speech_app.command("redact")
@reports_errors
def redact_text(
    source: Annotated[
        Path | None, typer.Argument(help="A text file (default: standard input).")
    ] = None,
) -> None:
    """Print the text with personal data replaced by typed masks ([PHONE], [CARD]...)."""
    import sys

    from kontrol.redaction import redact

    text = source.read_text(encoding="utf-8") if source else sys.stdin.read()
    typer.echo(redact(text), nl=False)
