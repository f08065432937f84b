"""The qunsheng command line: ingest exports, run the nightly flow, serve the API, read results."""
from __future__ import annotations

import functools
import itertools
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from models.schemas import Lifecycle, ThemeSort  # the names the API accepts too
from models.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Qunsheng (群声): demand themes and member tags from community group chats.")


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def one_line_errors(command):
    """Known failures (bad input, unknown names, unreachable database) end in one line, no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from pydantic import ValidationError
        from sqlalchemy.exc import ArgumentError, OperationalError

        from flows.digest import DigestError
        from flows.ingest import IngestError
        from models.locks import RunInProgress
        from models.views import Ambiguous, BadCursor, NotFound
        from nlp.demand_trained import DemandModelUnavailable
        from nlp.embed import EmbedderUnavailable
        from nlp.sentiment import SentimentUnavailable
        from nlp.taxonomy import TaxonomyError

        try:
            return command(*args, **kwargs)
        except (IngestError, NotFound, Ambiguous, BadCursor, EmbedderUnavailable, SentimentUnavailable,
                DemandModelUnavailable, TaxonomyError, RunInProgress, DigestError) as error:
            fail(str(error))
        except OperationalError as error:
            fail(f"cannot open the database: {str(error.orig).splitlines()[0]}")
        except ArgumentError as error:
            fail(f"bad QUNSHENG_DATABASE_URL: {error}")
        except ValidationError as error:
            first = error.errors()[0]
            where = f"QUNSHENG_{str(first['loc'][0]).upper()}" if first["loc"] else "settings"
            fail(f"bad setting {where}: {first['msg'].removeprefix('Value error, ')}")
        except Exception as error:
            from flows.nightly import RunError

            if isinstance(error, RunError):
                fail(str(error))
            raise

    return wrapper


def sessions():
    from models.db import open_store

    return open_store(get_settings().resolved_database_url)


def print_json(payload) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


@app.command()
@one_line_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Export files or folders of them.")],
    community: Annotated[str, typer.Option(help="Community the messages belong to.")] = "default",
    format: Annotated[str, typer.Option("--format", help="auto (detected from each file's content), wecom, "
                                        "telegram, memotrace, pywxdump, qq, whatsapp, csv or jsonl.")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object of counts.")] = False,
) -> None:
    """Read chat exports into the store; the same file twice adds nothing."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from flows.ingest import ingest_files

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("files · {task.fields[records]:,} records"), TimeElapsedColumn(),
                        console=Console(stderr=True), disable=as_json or not sys.stderr.isatty())
    records = itertools.count(1)

    def count_record() -> None:
        if (n := next(records)) % 1000 == 0:
            progress.update(bar, records=n)

    with progress, sessions().begin() as session:
        bar = progress.add_task("ingest", total=None, records=0)
        counts = ingest_files(session, paths, community, format, get_settings().timezone, on_record=count_record,
                              on_file=lambda path, n, total: progress.update(bar, description=path.name[:30],
                                                                             completed=n - 1, total=total))
    if as_json:
        print_json(counts)
    else:
        typer.echo(f"{counts['files']} file(s), {counts['messages']} records: {counts['new']} new, "
                   f"{counts['duplicates']} duplicates, {counts['quarantined']} quarantined")
        typer.echo("types: " + ", ".join(f"{kind} {n}" for kind, n in counts["types"].items()))
        if counts["skipped"]:
            typer.echo(f"skipped {len(counts['skipped'])} file(s) of no known format: "
                       + ", ".join(counts["skipped"][:5]) + (" ..." if len(counts["skipped"]) > 5 else ""))


def known_embedder(embedder: str | None) -> None:
    """Refuse, in one line, an --embedder that names no embedder (before any work starts)."""
    from nlp.embed import KINDS

    if embedder is not None and embedder not in KINDS:
        fail(f"unknown embedder {embedder!r}; choose one of {', '.join(KINDS)}")


@app.command()
@one_line_errors
def run(
    community: Annotated[str, typer.Option(help="Community to analyse.")] = "default",
    embedder: Annotated[str | None, typer.Option(help="auto, e5, lsa or st (default: QUNSHENG_EMBEDDER).")] = None,
    model: Annotated[str | None, typer.Option(help="sentence-transformers model name or path.")] = None,
    min_cluster_size: Annotated[int | None, typer.Option(help="Smallest theme (default: scaled to the corpus).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Show Prefect's flow and task logs.")] = False,
) -> None:
    """Run the nightly flow once, now: themes and member tags for one community."""
    from flows.nightly import nightly, quiet_prefect_logs

    known_embedder(embedder)
    if not verbose:
        quiet_prefect_logs()
    sessions()  # migrate before the flow starts
    result = nightly(community=community, embedder=embedder, model=model, min_cluster_size=min_cluster_size,
                     show_progress=not as_json and sys.stderr.isatty())
    if as_json:
        print_json(result)
        return
    for warning in result["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"run {result['run']}: {result['messages']} messages, {result['themes']} themes, "
               f"{result['members_tagged']} members tagged, outliers {result['outlier_share']:.0%}, "
               f"embedder {result['embedder']}, {result['duration_s']:.1f}s"
               + (f", digest {result['digest']}" if "digest" in result else ""))


@app.command()
@one_line_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the JSON API and the theme browser."""
    import uvicorn

    from api.main import create_app

    application = create_app()
    typer.echo(f"Theme browser: http://{host}:{port}/\nAPI docs:      http://{host}:{port}/docs")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command()
@one_line_errors
def themes(
    community: Annotated[str | None, typer.Option(help="Only this community.")] = None,
    limit: Annotated[int, typer.Option(help="How many themes.")] = 50,
    sort: Annotated[ThemeSort, typer.Option(help="Order: voices, growth, negativity or recent.")] = "voices",
    lifecycle: Annotated[Lifecycle | None, typer.Option(help="Only new, growing, stable or fading themes.")] = None,
    search: Annotated[str | None, typer.Option(
        help="Only themes whose label, or one of whose messages, holds every one of these words (split at spaces).")
    ] = None,
    hidden: Annotated[bool, typer.Option("--hidden", help="Only the themes hidden with `qunsheng theme hide`.")] = False,
    group: Annotated[str | None, typer.Option(help="Only themes voiced in this group, counted there.")] = None,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                   help="Only themes voiced on or after this local day, counted then.")] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"],
                                                   help="Only themes voiced on or before this local day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List demand themes, most voices first (or by --sort); with --group or days, their voices there."""
    from models import views

    start, end = views.day_bounds(since and since.date(), until and until.date(), get_settings().timezone)
    with sessions()() as session:
        found = views.themes(session, community, sort=sort, limit=limit, lifecycle=lifecycle, search=search,
                             hidden=hidden, group=group, since=start, until=end)
    if as_json:
        print_json([t.model_dump(mode="json") for t in found])
        return
    if not found:
        typer.echo("no themes match" if group or since or until or search or lifecycle else
                   "no themes yet: run `qunsheng run --community NAME` after ingesting")
    for t in found:
        voices, messages = ((f"{t.matched.voices}/{t.voices}", f"{t.matched.messages}/{t.messages}") if t.matched
                            else (str(t.voices), str(t.messages)))
        typer.echo(f"#{t.id:<4} {t.label:<16} {voices:>4} voices {messages:>5} msgs  {t.lifecycle:<8}"
                   f"{'emerging ' if t.emerging else ''}sentiment {t.sentiment:+.2f}  {' '.join(t.keywords[:6])}")


@app.command()
@one_line_errors
def digest(
    community: Annotated[str, typer.Option(help="Community whose latest run to summarise.")] = "default",
    send: Annotated[bool, typer.Option("--send", help="Post it to QUNSHENG_DIGEST_WEBHOOK instead of printing it.")] = False,
) -> None:
    """Print the latest run's digest (new, fast-growing and loudest demand themes), or --send it to the WeCom robot."""
    from flows.digest import compose, post

    settings = get_settings()
    if send and not settings.digest_webhook:
        fail("--send needs QUNSHENG_DIGEST_WEBHOOK, a 企业微信 group robot's webhook URL")
    with sessions()() as session:
        content = compose(session, community, settings.public_url)
    if not send:
        typer.echo(content)
        return
    post(settings.digest_webhook, content)
    typer.echo(f"digest of {community} sent")


@app.command()
@one_line_errors
def member(
    member_id: Annotated[str, typer.Argument(help="The member's sender id in the export.")],
    community: Annotated[str | None, typer.Option(help="Community, when the id is in several.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a member's interest tags with their evidence."""
    from models import views

    with sessions()() as session:
        found = views.member_tags(session, member_id, community)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    typer.echo(f"{found.display_name} ({found.member}, {found.community}): {found.messages} messages"
               + (" (staff)" if found.staff else ""))
    if found.layer is not None:
        typer.echo(f"layer: {LAYER_NAMES[found.layer.layer]} ({found.layer.layer}): " + "; ".join(found.layer.reasons))
    for tag in found.tags:
        when = (f"  {tag.first_evidence:%Y-%m-%d} .. {tag.last_evidence:%Y-%m-%d}"
                if tag.first_evidence and tag.last_evidence else "")
        typer.echo(f"  {tag.kind:<8} {tag.tag:<16} {tag.score:.2f}  evidence: {len(tag.evidence)} message(s){when}")


LAYER_NAMES = {"koc": "KOC", "high": "high value", "potential": "potential", "dormant": "dormant"}
Layer = Literal["koc", "high", "potential", "dormant"]


@app.command()
@one_line_errors
def members(
    layer: Annotated[Layer | None, typer.Option(help="Only this layer: koc, high, potential or dormant.")] = None,
    community: Annotated[str | None, typer.Option(help="Only this community.")] = None,
    limit: Annotated[int, typer.Option(help="How many members.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List members by value layer, with the reasons for their layer."""
    from models import views

    with sessions()() as session:
        found = views.members(session, layer, community, limit)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    if not found.data:
        typer.echo("no layered members yet: run `qunsheng run --community NAME` after ingesting")
    for m in found.data:
        typer.echo(f"{m.member:<24} {m.display_name:<14} {LAYER_NAMES[m.layer.layer]:<10} {'; '.join(m.layer.reasons)}")


@app.command("ingest-orders")
@one_line_errors
def ingest_orders_command(
    file: Annotated[Path, typer.Argument(help="Orders CSV: member id, time, amount (order id optional).")],
    community: Annotated[str, typer.Option(help="Community the members belong to.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object of counts.")] = False,
) -> None:
    """Read an orders CSV (monetary value for the value layers); the same file twice adds nothing."""
    from flows.orders import ingest_orders

    with sessions().begin() as session:
        counts = ingest_orders(session, file, community, get_settings().timezone)
    if as_json:
        print_json(counts)
        return
    typer.echo(f"{counts['rows']} row(s): {counts['new']} new orders, {counts['duplicates']} duplicates, "
               f"{counts['quarantined']} quarantined")


theme = typer.Typer(no_args_is_help=True,
                    help="Hide a theme that is not about what the community is for, or show it again.")
app.add_typer(theme, name="theme")
ThemeIds = Annotated[list[int], typer.Argument(help="Theme ids, as `qunsheng themes` lists them.", show_default=False)]


def set_hidden(ids: list[int], hidden: bool) -> None:
    from models import views

    with sessions().begin() as session:
        changed = [i for i in ids if views.hide_theme(session, i, hidden)]
    typer.echo(f"{len(changed)} theme(s) {'hidden' if hidden else 'shown again'}, {len(ids) - len(changed)} already so"
               + ("; member tags follow at the next run" if changed else ""))


@theme.command("hide")
@one_line_errors
def theme_hide(ids: ThemeIds) -> None:
    """Leave themes out of the lists, the browser, the digest and (from the next run) member tags; they stay
    hidden while later nights continue them."""
    set_hidden(ids, True)


@theme.command("unhide")
@one_line_errors
def theme_unhide(ids: ThemeIds) -> None:
    """Show hidden themes again."""
    set_hidden(ids, False)


staff = typer.Typer(no_args_is_help=True, help="The brand's own people in the groups (operators, shop assistants).")
app.add_typer(staff, name="staff")
StaffIds = Annotated[list[str] | None, typer.Argument(help="Sender ids, as in the export.", show_default=False)]
StaffFile = Annotated[Path | None, typer.Option("--file", help="A file of sender ids, one a line (# comments).")]


def staff_ids(ids: list[str] | None, file: Path | None) -> list[str]:
    listed = list(ids or [])
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8-sig").splitlines()
        except OSError as error:
            fail(f"cannot read {file}: {error.strerror or error}")
        listed += [sender for line in lines if (sender := line.split("#")[0].strip())]
    if not listed:
        fail("name at least one sender id, or --file")
    return listed


def set_staff(community: str, ids: list[str] | None, file: Path | None, as_json: bool, mark: bool) -> None:
    from models import views

    wanted = staff_ids(ids, file)
    with sessions().begin() as session:
        changed = views.set_staff(session, community, wanted, mark)
    unchanged = len(set(wanted)) - len(changed)
    if as_json:
        print_json({"changed": changed, "unchanged": unchanged})
        return
    typer.echo(f"{len(changed)} member(s) {'marked as staff' if mark else 'no longer staff'}, "
               f"{unchanged} already so; themes, tags and layers follow at the next run")


@staff.command("add")
@one_line_errors
def staff_add(community: Annotated[str, typer.Option(help="The community.")], ids: StaffIds = None,
              file: StaffFile = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Mark members as staff: from the next run their messages are kept out of the themes and they get no
    tags and no value layer."""
    set_staff(community, ids, file, as_json, True)


@staff.command("remove")
@one_line_errors
def staff_remove(community: Annotated[str, typer.Option(help="The community.")], ids: StaffIds = None,
                 file: StaffFile = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
                 ) -> None:
    """Count members as members again."""
    set_staff(community, ids, file, as_json, False)


@staff.command("list")
@one_line_errors
def staff_list(community: Annotated[str, typer.Option(help="The community.")],
               as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The community's staff."""
    from models import views

    with sessions()() as session:
        found = views.staff_of(session, community)
    if as_json:
        print_json([{"member": sender, "display_name": name} for sender, name in found])
        return
    for sender, name in found:
        typer.echo(f"{sender:<24} {name}")


ExportFormat = Literal["ndjson", "csv"]
apikey = typer.Typer(no_args_is_help=True, help="API keys of CRM systems: one community's data each.")
export = typer.Typer(no_args_is_help=True, help="Export members and tag changes for CRM systems.")
app.add_typer(apikey, name="apikey")
app.add_typer(export, name="export")


@apikey.command("create")
@one_line_errors
def apikey_create(community: Annotated[str, typer.Option(help="The community the key opens.")],
                  name: Annotated[str, typer.Option(help="A note on who uses the key.")] = "",
                  as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Create a key and print it once: only its hash is stored."""
    from models import views

    with sessions().begin() as session:
        created, key = views.create_api_key(session, community, name)
    if as_json:
        print_json(created.model_dump(mode="json") | {"key": key})
        return
    typer.echo(key)
    typer.echo(f"key {created.id} for community {created.community!r}: send it as `Authorization: Bearer KEY` "
               "or `X-API-Key: KEY`; it is not shown again", err=True)


@apikey.command("list")
@one_line_errors
def apikey_list(community: Annotated[str | None, typer.Option(help="Only this community's keys.")] = None,
                as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List keys (id, first characters, community, created, revoked)."""
    from models import views

    with sessions()() as session:
        found = views.api_keys(session, community)
    if as_json:
        print_json([k.model_dump(mode="json") for k in found])
        return
    for k in found:
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "live"
        typer.echo(f"{k.id:<4} {k.prefix}...  {k.community:<16} created {k.created_at:%Y-%m-%d %H:%M}  {state}"
                   f"  {k.name}")


@apikey.command("revoke")
@one_line_errors
def apikey_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see `qunsheng apikey list`).")]) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    from models import views

    with sessions().begin() as session:
        revoked = views.revoke_api_key(session, key_id)
    typer.echo(f"key {revoked.id} ({revoked.prefix}...) of community {revoked.community!r} revoked")


@export.command("members")
@one_line_errors
def export_members(community: Annotated[str, typer.Option(help="The community to export.")],
                   format: Annotated[ExportFormat, typer.Option("--format", help="ndjson or csv.")] = "ndjson",
                   layer: Annotated[Layer | None, typer.Option(help="Only this layer.")] = None,
                   tag: Annotated[str | None, typer.Option(help="Only members holding this tag.")] = None) -> None:
    """Every member with their layer and tags on stdout, as GET /v1/members/export gives them."""
    from models import views

    with sessions()() as session:
        found = views.community_id(session, community)
    for chunk in views.export_members(sessions(), found, format, layer, tag):
        sys.stdout.write(chunk)


@export.command("mark-tag")
@one_line_errors
def export_mark_tag(community: Annotated[str, typer.Option(help="The community.")],
                    userid: Annotated[str, typer.Option(help="The operator's 企业微信 userid.")],
                    since: Annotated[str | None, typer.Option(help="The cursor of the last export.")] = None,
                    limit: Annotated[int, typer.Option(help="At most this many changes.")] = 1000,
                    tag_ids: Annotated[bool, typer.Option(
                        "--tag-ids", help="Corp tag ids (the taxonomy's wecom_tag_id) instead of names.")] = False,
                    ) -> None:
    """Tag changes since a cursor as 企业微信 mark_tag bodies (JSON, with next_cursor)."""
    from models import views

    ids = views.taxonomy(community, get_settings().taxonomy_dir).wecom_tag_ids if tag_ids else None
    with sessions()() as session:
        page = views.mark_tag(session, views.community_id(session, community), userid, since, limit, tag_ids=ids)
    print_json(page.model_dump(mode="json"))


evaluate = typer.Typer(no_args_is_help=True, help="Measure a stage on labelled data; prints one JSON object.")
train = typer.Typer(no_args_is_help=True, help="Fit an in-domain model from labelled data.")
app.add_typer(evaluate, name="eval")
app.add_typer(train, name="train")

InputOption = Annotated[Path, typer.Option("--input", help="Labelled CSV, TSV, JSON lines or JSON array.")]
TextCol = Annotated[str, typer.Option("--text-col", help="Column holding the text.")]
LabelCol = Annotated[str, typer.Option("--label-col", help="Column holding the label.")]
Limit = Annotated[int | None, typer.Option("--limit", min=1, help="Use at most this many rows, drawn at random "
                                                                     "(seed 0: the same rows each time).")]


def labelled(path: Path, text_col: str, label_col: str, limit: int | None) -> tuple[list[str], list[str]]:
    """The file's texts and labels; a note on stderr of rows left out and of a limit's draw."""
    from flows.datasets import DatasetError, read_labelled

    try:
        found = read_labelled(path, text_col, label_col, limit)
    except DatasetError as error:
        fail(str(error))
    if found.numbered:
        typer.echo("note: no column of that name, so the file is read as having no header row: columns by "
                   "number from 0, its first row as data", err=True)
    if found.unusable:
        typer.echo(f"note: {found.unusable:,} of {found.rows:,} rows have no text or no label and are left out",
                   err=True)
    if len(found.texts) < found.rows - found.unusable:
        typer.echo(f"note: {len(found.texts):,} of {found.rows - found.unusable:,} rows drawn at random (seed 0)",
                   err=True)
    return found.texts, found.labels


@evaluate.command("cluster")
@one_line_errors
def eval_cluster(input: InputOption, text_col: TextCol, label_col: LabelCol, limit: Limit = None,
                 embedder: Annotated[str | None, typer.Option(
                     help="auto, e5, lsa or st (default: QUNSHENG_EMBEDDER, as `qunsheng run`).")] = None,
                 model: Annotated[str | None, typer.Option(help="sentence-transformers model.")] = None) -> None:
    """Cluster the texts into themes and compare with the labels: nmi, ari, outlier_rate, n_themes, seconds.

    As the nightly flow does: the same embedder, each distinct text embedded once, and the texts'
    keywords (jieba) shaping the clusterer's neighbour graph.
    "subthemes" scores the finer level the same way: sub-themes, and themes that do not split."""
    from flows.progress import Steps, report
    from nlp.embed import load_embedder
    from nlp.evaluation import evaluate_clustering

    settings = get_settings()
    known_embedder(embedder)
    texts, labels = labelled(input, text_col, label_col, limit)
    if len(set(labels)) < 2:  # one label: NMI and ARI read 1.0 or 0.0 whatever the themes are
        fail(f"{input}: every row drawn has the label {labels[0]!r}: comparing themes with labels needs two or more")
    chosen, warning = load_embedder(embedder or settings.embedder, model or settings.embedding_model,
                                    **settings.embedding_options)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    with Steps(["segment", "embed", "cluster"], enabled=sys.stderr.isatty()) as steps:
        scores = evaluate_clustering(texts, labels, chosen, step=steps.run, report=report)
    print_json(scores | {"embedder": chosen.model_id})


POSITIVE, NEGATIVE = {"1", "true", "yes", "y", "pos", "positive"}, {"0", "false", "no", "n", "neg", "negative"}


def binary_labels(labels: list[str], negative: str | None) -> list[int]:
    """1/0 labels; with ``negative``, that label is 0 and every other label 1."""
    if negative is not None:
        return [int(label != negative) for label in labels]
    unknown = sorted({label for label in labels if label.strip().lower() not in POSITIVE | NEGATIVE})
    if unknown:
        fail(f"labels must be 1/0 (or true/false, yes/no); found {', '.join(map(repr, unknown[:5]))}: "
             "pass --negative LABEL to treat one label as 0 and the rest as 1")
    return [int(label.strip().lower() in POSITIVE) for label in labels]


@evaluate.command("demand")
@one_line_errors
def eval_demand(input: InputOption, text_col: TextCol, label_col: LabelCol, limit: Limit = None,
                negative: Annotated[str | None, typer.Option(help="The label meaning no demand (e.g. chat); "
                                                                  "all others mean a demand.")] = None,
                model: Annotated[Path | None, typer.Option(help="A trained demand model folder "
                                                                "(default: the cue lists).")] = None) -> None:
    """Demand detection against 1/0 labels: precision, recall, f1, macro_f1, accuracy."""
    from nlp.demand import evaluate_demand
    from nlp.demand_trained import DemandModelUnavailable, TrainedDemand

    texts, labels = labelled(input, text_col, label_col, limit)
    try:
        reader = TrainedDemand.load(model) if model else None
    except DemandModelUnavailable as error:
        fail(str(error))
    print_json(evaluate_demand(texts, binary_labels(labels, negative), reader))


@evaluate.command("sentiment")
@one_line_errors
def eval_sentiment(input: InputOption, text_col: TextCol, label_col: LabelCol, limit: Limit = None,
                   scorer: Annotated[str | None, typer.Option(help="lexicon, trained or transformers "
                                                                   "(default: QUNSHENG_SENTIMENT).")] = None,
                   model: Annotated[str | None, typer.Option(help="Model folder or name for trained / "
                                                                  "transformers.")] = None) -> None:
    """Sentiment against positive/negative labels (1/0, pos/neg, 正面/负面): accuracy, macro_f1."""
    from nlp.sentiment import evaluate_sentiment, load_scorer

    settings = get_settings()
    kind = scorer or settings.sentiment
    model = model or (settings.resolved_sentiment_model if kind == settings.sentiment else None)
    if kind == "trained" and not model:
        model = str(settings.data_dir / "models" / "sentiment")
    texts, labels = labelled(input, text_col, label_col, limit)
    try:
        print_json(evaluate_sentiment(load_scorer(kind, model), texts, labels))
    except ValueError as error:
        fail(str(error))


@train.command("sentiment")
@one_line_errors
def train_sentiment_command(input: InputOption, text_col: TextCol, label_col: LabelCol, limit: Limit = None,
                            out: Annotated[Path | None, typer.Option(help="Where to save the model "
                                                                          "(default <data_dir>/models/sentiment).")] = None) -> None:
    """Fit an in-domain sentiment classifier; used by the flow with QUNSHENG_SENTIMENT=trained."""
    from nlp.sentiment import train_sentiment

    out = out or get_settings().data_dir / "models" / "sentiment"
    texts, labels = labelled(input, text_col, label_col, limit)
    try:
        model = train_sentiment(texts, labels, out)
    except ValueError as error:
        fail(str(error))
    print_json({"model": str(out), **model.summary})


@train.command("demand")
@one_line_errors
def train_demand_command(input: InputOption, text_col: TextCol, label_col: LabelCol, limit: Limit = None,
                         negative: Annotated[str | None, typer.Option(help="The label meaning no demand (e.g. chat); "
                                                                           "all others mean a demand.")] = None,
                         rules: Annotated[bool, typer.Option("--rules", help="Add the cue reader's score as a "
                                                                             "feature.")] = False,
                         out: Annotated[Path | None, typer.Option(help="Where to save the model "
                                                                       "(default <data_dir>/models/demand).")] = None) -> None:
    """Fit a demand classifier on 1/0 labels; used by the flow with QUNSHENG_DEMAND=trained."""
    from nlp.demand_trained import train_demand

    out = out or get_settings().data_dir / "models" / "demand"
    texts, labels = labelled(input, text_col, label_col, limit)
    try:
        model = train_demand(texts, binary_labels(labels, negative), out, use_rules=rules)
    except ValueError as error:
        fail(str(error))
    print_json({"model": str(out), **model.model.summary, "rule_weight": model.rule_weight})


if __name__ == "__main__":
    app()
