"""The rolling-upgrade rule (docs/operators.md, Upgrades): every migration's upgrade() must be one the
previous release's code can run against. Expand now (add nullable or defaulted columns, tables,
indexes), contract in a later release, in a migration that says so: `CONTRACT = "why no running code
uses it"`. The operations are read from each file's upgrade() as written, with Python's own parser."""

import ast
import re
import shutil
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"

# Migrations from before the rule (issue 17), each with why it was safe when it ran.
GRANDFATHERED = {
    "08da8a52ba0f": "renamed notes to research_note (treaties, measures, cases) and dropped public_note's default "
                    "while upgrades stopped every process, migrated, then started the new code; no rolling upgrade "
                    "was documented before issue 17",
}

# Operations that break the code still running during a rolling upgrade, with what they break.
DESTRUCTIVE = {
    "drop_table": "the previous release still reads and writes the table",
    "drop_column": "the previous release still reads and writes the column",
    "rename_table": "the previous release still uses the old name",
    "drop_constraint": "the previous release may rely on it (ON CONFLICT needs its unique constraints)",
    "drop_index": "the previous release may rely on it (a unique index decides ON CONFLICT; others its speed)",
    "create_unique_constraint": "tightens what the previous release may write",
    "create_check_constraint": "tightens what the previous release may write",
    "create_foreign_key": "tightens what the previous release may write",
}
RAW_SQL = re.compile(r"\b(DROP|ALTER|RENAME|TRUNCATE|DELETE)\b", re.IGNORECASE)


def keyword(call, name):
    """The keyword argument `name` of a call, as a node, or None."""
    return next((k.value for k in call.keywords if k.arg == name), None)


def is_constant(node, value):
    return isinstance(node, ast.Constant) and node.value is value


def column_problem(column):
    """An added column NOT NULL without a server default: the previous release's INSERTs leave it out."""
    if not (isinstance(column, ast.Call) and getattr(column.func, "attr", None) == "Column"):
        return None
    default = keyword(column, "server_default")
    if is_constant(keyword(column, "nullable"), False) and (default is None or is_constant(default, None)):
        return "adds a NOT NULL column without a server default: the previous release's INSERTs leave it out"
    return None


def alter_problem(call):
    """alter_column: a rename, a new type, NOT NULL without a default, or a dropped default."""
    default = keyword(call, "server_default")
    if keyword(call, "new_column_name") is not None:
        return "renames a column: the previous release still uses the old name"
    if keyword(call, "type_") is not None:
        return "changes a column's type under the previous release"
    if is_constant(keyword(call, "nullable"), False):
        # A default does not help: the previous release may write NULL itself, and rows may hold one.
        return "makes a column NOT NULL: the previous release may write NULL, and existing rows may hold one"
    if is_constant(default, None):
        return "drops a column's server default: the previous release's INSERTs may rely on it"
    return None


def call_problem(call):
    """What is wrong with one operation in upgrade(), for code still running; None if nothing."""
    name = getattr(call.func, "attr", None)
    if name in DESTRUCTIVE:
        return f"{name}: {DESTRUCTIVE[name]}"
    if name == "alter_column":
        return alter_problem(call)
    if name == "add_column":
        return next(filter(None, map(column_problem, call.args)), None)
    if name == "create_index" and is_constant(keyword(call, "unique"), True):
        return "create_index(unique=True) on an existing table tightens what the previous release may write"
    if name == "execute":
        sql = call.args[0] if call.args else None
        if not (isinstance(sql, ast.Constant) and isinstance(sql.value, str)):
            return "execute() of SQL that cannot be read here: write it as a string, or declare CONTRACT"
        if RAW_SQL.search(sql.value):
            return f"execute() of SQL that may remove or tighten: {sql.value[:60]!r}"
    return None


def upgrade_problems(source):
    """(line, problem) for each destructive operation in the module's upgrade()."""
    tree = ast.parse(source)
    upgrade = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)
    if upgrade is None:
        return [(1, "no upgrade() found")]
    found = [(node.lineno, call_problem(node)) for node in ast.walk(upgrade) if isinstance(node, ast.Call)]
    return sorted((line, problem) for line, problem in found if problem)


def declared_contract(source):
    """The module-level CONTRACT string, if the migration declares itself a contract step."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CONTRACT" for t in node.targets):
            value = node.value
            return value.value.strip() if isinstance(value, ast.Constant) and isinstance(value.value, str) else ""
    return None


def violations(versions=VERSIONS):
    """Every revision in the folder whose upgrade() breaks the rule, with its problems."""
    config = Config()
    config.set_main_option("script_location", str(versions.parent))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(versions))
    found = {}
    for script in ScriptDirectory.from_config(config).walk_revisions():
        source = Path(script.path).read_text(encoding="utf-8")
        if script.revision in GRANDFATHERED or declared_contract(source):
            continue
        if problems := upgrade_problems(source):
            found[script.revision] = problems
    return found


# --- the rule, on the project's migrations --------------------------------------------------------

def test_every_migration_can_run_under_the_previous_release():
    assert violations() == {}, "expand now, contract in a later release (docs/operators.md#upgrades)"


def test_every_grandfathered_migration_exists_and_says_why():
    names = {path.name.split("_")[0] for path in VERSIONS.glob("*.py")}
    assert set(GRANDFATHERED) <= names
    assert all(len(why) > 20 for why in GRANDFATHERED.values())


# --- the check itself, on migrations that break the rule ------------------------------------------

UPGRADE = "from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n    {}\n"

BREAKING = [
    "op.drop_table('signatures')",
    "op.rename_table('drives', 'campaigns')",
    "op.drop_constraint('uq_signatures_drive_id', 'signatures', type_='unique')",
    "with op.batch_alter_table('outbox') as batch_op:\n        batch_op.drop_column('locale')",
    "with op.batch_alter_table('cases') as batch_op:\n        batch_op.alter_column('notes', new_column_name='note')",
    "op.alter_column('outbox', 'text', existing_type=sa.TEXT(), nullable=False)",
    "op.alter_column('drives', 'goal', type_=sa.BigInteger())",
    "op.alter_column('measures', 'public_note', server_default=None)",
    "op.add_column('drives', sa.Column('region', sa.String(20), nullable=False))",
    "op.create_index('ix_letters_email', 'letters', ['email'], unique=True)",
    "op.execute('ALTER TABLE drives DROP COLUMN goal')",
    "op.add_column('drives', sa.Column('region', sa.String(20), nullable=False, server_default=None))",
    "op.alter_column('outbox', 'text', nullable=False, server_default='')",
    "op.execute(sa.text(query))",
]
SAFE = [
    "op.create_table('banners', sa.Column('id', sa.Integer(), nullable=False))",
    "op.add_column('drives', sa.Column('region', sa.String(20), nullable=True))",
    "op.add_column('drives', sa.Column('paper_count', sa.Integer(), server_default='0', nullable=False))",
    "op.alter_column('outbox', 'text', existing_type=sa.TEXT(), nullable=True)",
    "op.create_index('ix_letters_email', 'letters', ['email'], postgresql_concurrently=True)",
    "op.execute(\"INSERT INTO revisions (id, number) VALUES (1, 0)\")",
]


@pytest.mark.parametrize("operation", BREAKING)
def test_a_destructive_operation_is_found(operation):
    assert len(upgrade_problems(UPGRADE.format(operation))) == 1


@pytest.mark.parametrize("operation", SAFE)
def test_an_expanding_operation_passes(operation):
    assert upgrade_problems(UPGRADE.format(operation)) == []


def test_only_upgrade_is_read_and_a_contract_step_says_why():
    source = UPGRADE.format("pass") + "\n\ndef downgrade():\n    op.drop_table('banners')\n"
    assert upgrade_problems(source) == []
    assert declared_contract("CONTRACT = 'outbox.subject unread since release 12'\n" + source) != ""
    assert not declared_contract("CONTRACT = '  '\n" + source)
    assert declared_contract(source) is None


def test_a_new_destructive_migration_fails_the_check_until_it_declares_itself_a_contract(tmp_path):
    versions = tmp_path / "versions"
    shutil.copytree(VERSIONS, versions, ignore=shutil.ignore_patterns("__pycache__"))
    config = Config()
    config.set_main_option("script_location", str(VERSIONS.parent))
    head = ScriptDirectory.from_config(config).get_current_head()
    migration = (f"revision = 'feedc0ffee01'\ndown_revision = '{head}'\n"
                 + UPGRADE.format("with op.batch_alter_table('outbox') as batch_op:\n"
                                  "        batch_op.drop_column('unsubscribe_url')"))
    path = versions / "feedc0ffee01_drop_the_unsubscribe_url.py"
    path.write_text(migration, encoding="utf-8")
    found = violations(versions)
    assert list(found) == ["feedc0ffee01"]
    assert "drop_column" in found["feedc0ffee01"][0][1]
    path.write_text("CONTRACT = 'no release since 2027.1 reads outbox.unsubscribe_url'\n" + migration, encoding="utf-8")
    assert violations(versions) == {}
