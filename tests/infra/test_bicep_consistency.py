"""The Azure deployment agrees with the code: settings, queues, Cosmos containers, roles, azd services, the relay image.

The Bicep compiler cannot run here, so these tests read the .bicep text with small regular expressions. Each one names
the file to fix when the code and the templates drift apart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from rehearse.domain.events import QUEUES, poison_queue
from rehearse.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra" / "bicep"
MODULES = INFRA / "modules"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))

# Settings the Azure world reads (rehearse/config.py): every field with one of these prefixes, and these fields.
AZURE_PREFIXES = ("cosmos_", "blob_", "queue_", "webpubsub_", "speech_", "azure_openai_")
AZURE_FIELDS = (
    "world", "evaluator", "relay_public_url", "token_secret", "require_sign_in", "turn_urls", "turn_secret", "ice_servers",
    "ice_transport_policy",
)
# Read by the Azure world but local-only: keys and connection strings for emulators. Never set in Bicep, where the
# managed identity reaches every service.
LOCAL_ONLY = {
    "cosmos_key": "Cosmos DB emulator key",
    "storage_connection_string": "Azurite connection string",
    "webpubsub_connection_string": "Web PubSub access key connection string",
    "speech_key": "Speech key",
}
# The settings the relay (media_relay/__main__.py on Container Apps) reads from its environment.
RELAY_ENV = {
    "REHEARSE_WORLD", "REHEARSE_HOST", "REHEARSE_PORT", "REHEARSE_TOKEN_SECRET", "REHEARSE_MAX_LIVE_SESSIONS",
    "REHEARSE_DRAIN_GRACE_S", "REHEARSE_COSMOS_ENDPOINT", "REHEARSE_COSMOS_DATABASE", "REHEARSE_BLOB_ENDPOINT",
    "REHEARSE_QUEUE_ENDPOINT", "REHEARSE_WEBPUBSUB_ENDPOINT", "REHEARSE_WEBPUBSUB_HUB", "REHEARSE_SPEECH_REGION",
    "REHEARSE_SPEECH_RESOURCE_ID", "REHEARSE_SPEECH_ENDPOINT", "REHEARSE_SPEECH_VOICE", "AZURE_CLIENT_ID", "REHEARSE_TURN_URLS",
    "REHEARSE_TURN_SECRET",
    "REHEARSE_ICE_SERVERS", "REHEARSE_TRACES",
}
# Every role the templates assign, by built-in role definition ID (the same in every Azure cloud). Checked against
# Microsoft's published built-in role lists; a new role needs a line here and a reason in infra/bicep/modules/roles.bicep.
ROLE_ALLOW_LIST = {
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "12cf5a90-567b-43ae-8102-96cf46c7d9b4": "Web PubSub Service Owner",
    "f2dc8367-1007-4938-bd23-fe263f013447": "Cognitive Services Speech User",
    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd": "Cognitive Services OpenAI User",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
    "7f951dda-4ed3-4680-a7ca-43fe172d538d": "AcrPull",
    "00000000-0000-0000-0000-000000000002": "Cosmos DB Built-in Data Contributor (Cosmos data-plane role)",
}
# Preview API versions allowed, each for want of a stable one with the feature used.
PREVIEW_API_ALLOWED = {"Microsoft.Insights/diagnosticSettings": "categoryGroup 'allLogs' has no stable API version"}

_GUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
_SETTING_NAME = re.compile(r"\bREHEARSE_[A-Z0-9_]+\b")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def code(path: Path) -> str:
    """The file without its whole-line // comments (the templates put no comment after code)."""
    return re.sub(r"(?m)^\s*//.*\n", "", read(path))


def string_list(text: str, var: str) -> list[str]:
    """The string literals of `var <var> = [ ... ]`."""
    match = re.search(rf"(?ms)^var {var} = \[\n(.*?)^\]", text)
    assert match, f"no `var {var} = [...]` list"
    return re.findall(r"'([^']*)'", match.group(1))


def string_var(text: str, var: str) -> str:
    match = re.search(rf"(?m)^var {var} = '([^']*)'$", text)
    assert match, f"no `var {var} = '...'`"
    return match.group(1)


def param_default(text: str, param: str) -> str:
    match = re.search(rf"(?m)^param {param} \w+ = (.+)$", text)
    assert match, f"no default for param {param}"
    return match.group(1).strip().strip("'")


def object_keys(text: str) -> dict[str, str]:
    """REHEARSE_* keys of the object literals in a module (the Function App's app settings) and their value expressions."""
    return dict(re.findall(r"(?m)^\s*(REHEARSE_[A-Z0-9_]+):\s*(.+?)\s*$", text))


def env_entries(text: str) -> dict[str, str]:
    """Container env entries: name -> "value: ..." or "secretRef: ..." (the line after the name)."""
    return dict(re.findall(r"(?m)^\s*name: '([A-Z][A-Z0-9_]+)'\n\s*((?:value|secretRef): .+)$", text))


def azure_world_fields() -> list[str]:
    fields = Settings.model_fields
    missing = [f for f in AZURE_FIELDS if f not in fields]
    assert not missing, f"rehearse/config.py no longer has {missing}: update AZURE_FIELDS here and the Bicep"
    return [f for f in fields if f.startswith(AZURE_PREFIXES) or f in AZURE_FIELDS]


def setting_env_name(field: str) -> str:
    return f"REHEARSE_{field.upper()}"


# -- (a) settings -------------------------------------------------------------------------------------------------------
def test_the_function_app_sets_every_azure_world_setting():
    settings = object_keys(code(MODULES / "functions.bicep"))
    expected = {setting_env_name(f) for f in azure_world_fields() if f not in LOCAL_ONLY}
    assert not expected - settings.keys(), "add these app settings to infra/bicep/modules/functions.bicep"


def test_keys_and_connection_strings_are_never_set_in_bicep():
    forbidden = [setting_env_name(f) for f in LOCAL_ONLY]
    secret_patterns = re.compile(r"listKeys\(|listConnectionStrings\(|AccountKey=|AccessKey=|SharedAccessKey|sharedKey|primaryMasterKey")
    for path in BICEP_FILES:
        text = code(path)
        assert not [name for name in forbidden if name in text], f"{path.name} sets a key or connection string"
        assert not secret_patterns.search(text), f"{path.name} reads or sets an access key"
    assert not [f for f in LOCAL_ONLY if f not in Settings.model_fields], "LOCAL_ONLY names a setting config.py no longer has"


def test_secrets_reach_the_apps_only_as_key_vault_references():
    functions = object_keys(code(MODULES / "functions.bicep"))
    assert functions["REHEARSE_TOKEN_SECRET"].startswith("'@Microsoft.KeyVault(")
    assert functions["REHEARSE_OPENAI_API_KEY"].startswith("'@Microsoft.KeyVault(")
    assert functions["REHEARSE_TURN_SECRET"].startswith("'@Microsoft.KeyVault(")
    relay = code(MODULES / "relay.bicep")
    assert env_entries(relay)["REHEARSE_TOKEN_SECRET"] == "secretRef: 'token-secret'"
    assert re.search(r"name: 'token-secret'\n\s*keyVaultUrl: tokenSecretUri", relay)
    assert env_entries(relay)["REHEARSE_TURN_SECRET"] == "secretRef: 'turn-secret'"
    assert re.search(r"name: 'turn-secret'\n\s*keyVaultUrl: turnSecretUri", relay)


def test_every_rehearse_variable_in_the_deployment_is_a_settings_field():
    sources = [*BICEP_FILES, ROOT / "local.settings.json.example"]
    for path in sources:
        unknown = {n for n in _SETTING_NAME.findall(read(path)) if n.removeprefix("REHEARSE_").lower() not in Settings.model_fields}
        assert not unknown, f"{path.name} sets {sorted(unknown)}, which rehearse/config.py does not read (typo, or a missing field)"


def test_the_relay_gets_every_setting_it_reads_and_listens_where_ingress_sends():
    relay = code(MODULES / "relay.bicep")
    env = env_entries(relay)
    assert not RELAY_ENV - env.keys(), "add these env entries to infra/bicep/modules/relay.bicep"
    assert not [name for name in env if name.startswith("REHEARSE_") and name not in RELAY_ENV | {"REHEARSE_DATA_DIR"}]
    assert re.search(r"(?m)^var port = 8000$", relay) and "targetPort: port" in relay
    assert env["REHEARSE_PORT"] == "value: string(port)"


def test_queue_max_dequeue_matches_host_json():
    host = json.loads(read(ROOT / "host.json"))
    assert param_default(code(MODULES / "functions.bicep"), "queueMaxDequeue") == str(host["extensions"]["queues"]["maxDequeueCount"])


def test_host_storage_is_identity_based_on_flex_consumption():
    functions = code(MODULES / "functions.bicep")
    for key in ("AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId", "AZURE_CLIENT_ID"):
        assert re.search(rf"(?m)^\s*{key}:", functions), key
    assert "AzureWebJobsStorage__credential: 'managedidentity'" in functions
    assert not re.search(r"(?m)^\s*AzureWebJobsStorage:", functions), "a plain AzureWebJobsStorage would need a key"
    # Flex Consumption takes the runtime from functionAppConfig and rejects these settings.
    assert "FUNCTIONS_WORKER_RUNTIME" not in functions and "FUNCTIONS_EXTENSION_VERSION" not in functions
    assert re.search(r"name: 'python'\n\s*version: '3.11'", functions) and "name: 'FC1'" in functions


# -- (b) queues ---------------------------------------------------------------------------------------------------------
def test_every_event_queue_and_its_poison_queue_is_created():
    storage = code(MODULES / "storage.bicep")
    expected = {q for queue in QUEUES for q in (queue, poison_queue(queue))}
    assert set(string_list(storage, "queueNames")) == expected, "update queueNames in infra/bicep/modules/storage.bicep"
    assert "for queueName in queueNames" in storage


def test_recordings_are_deleted_after_the_retention_period():
    storage = code(MODULES / "storage.bicep")
    assert {"recordings", "reports"} <= set(string_list(storage, "blobContainerNames"))
    assert re.search(r"prefixMatch: \[\n\s*'recordings/'\n\s*\]", storage)
    assert "daysAfterCreationGreaterThan: recordingRetentionDays" in storage
    assert param_default(code(INFRA / "main.bicep"), "recordingRetentionDays") == "30"
    assert "recordingRetentionDays: recordingRetentionDays" in code(INFRA / "main.bicep")


# -- (c) Cosmos DB ------------------------------------------------------------------------------------------------------
def test_every_cosmos_container_exists_with_the_session_partition_key():
    from rehearse.adapters.azure.cosmos_store import CONTAINERS, PARTITION_KEY_PATH

    cosmos = code(MODULES / "cosmos.bicep")
    assert set(string_list(cosmos, "containerNames")) == set(CONTAINERS), "update containerNames in infra/bicep/modules/cosmos.bicep"
    assert string_var(cosmos, "partitionKeyPath") == PARTITION_KEY_PATH
    assert re.search(r"paths: \[\n\s*partitionKeyPath\n\s*\]", cosmos)
    assert param_default(cosmos, "databaseName") == Settings.model_fields["cosmos_database"].default


# -- (d) the queues the Functions host listens on ------------------------------------------------------------------------
def test_every_queue_trigger_listens_on_a_created_queue():
    import azure.functions as func

    import function_app

    # A FunctionApp indexes once (a second get_functions() sees duplicate names, and tests/functions indexes
    # function_app.app), so the blueprints function_app.py registers are indexed here in an app of their own.
    blueprints = [v for v in vars(function_app).values() if isinstance(v, func.Blueprint)]
    assert blueprints, "function_app.py registers no blueprint"
    app = func.FunctionApp()
    for blueprint in blueprints:
        app.register_functions(blueprint)
    triggers = [
        b.get_dict_repr() for f in app.get_functions() for b in f.get_bindings() if b.get_dict_repr().get("type") == "queueTrigger"
    ]
    assert len(triggers) >= len(QUEUES)
    created = set(string_list(code(MODULES / "storage.bicep"), "queueNames"))
    for trigger in triggers:
        assert trigger["queueName"] in created, f"{trigger['queueName']} is not created in infra/bicep/modules/storage.bicep"
        assert f"{trigger['queueName']}-poison" in created
        # The connection is the host storage, which functions.bicep sets up with the managed identity.
        assert trigger["connection"] == "AzureWebJobsStorage"


# -- (e) roles ----------------------------------------------------------------------------------------------------------
def test_only_allow_listed_roles_are_assigned():
    used = {g.lower(): path.name for path in BICEP_FILES for g in _GUID.findall(code(path))}
    assert set(used) <= set(ROLE_ALLOW_LIST), {g: f for g, f in used.items() if g not in ROLE_ALLOW_LIST}
    assert set(ROLE_ALLOW_LIST) <= set(used), "ROLE_ALLOW_LIST names a role no template assigns any more"


def test_role_assignments_use_built_in_definitions_for_the_app_identity():
    for path in BICEP_FILES:
        text = code(path)
        for block in re.findall(r"'Microsoft\.Authorization/roleAssignments@[^']+' = \{(.*?)\n\}", text, re.S):
            assert "subscriptionResourceId('Microsoft.Authorization/roleDefinitions'" in block, path.name
            assert "principalType: 'ServicePrincipal'" in block, path.name


# -- (f) azd ------------------------------------------------------------------------------------------------------------
def test_azure_yaml_names_both_services_and_points_at_existing_paths():
    config = yaml.safe_load(read(ROOT / "azure.yaml"))
    assert (ROOT / config["infra"]["path"] / f"{config['infra'].get('module', 'main')}.bicep").is_file()
    services = config["services"]
    assert set(services) == {"api", "relay"}
    api, relay = services["api"], services["relay"]
    assert (api["host"], api["language"], api["project"]) == ("function", "python", ".")
    assert (ROOT / api["project"] / "function_app.py").is_file() and (ROOT / api["project"] / "host.json").is_file()
    assert relay["host"] == "containerapp"
    project = ROOT / relay["project"]
    assert (project / relay["docker"]["path"]).is_file() and (project / relay["docker"]["context"]).is_dir()
    # azd finds each service's resource by this tag.
    assert "'azd-service-name': 'api'" in code(MODULES / "functions.bicep")
    assert "'azd-service-name': 'relay'" in code(MODULES / "relay.bicep")


def test_azd_parameters_name_only_declared_parameters():
    main = code(INFRA / "main.bicep")
    declared = set(re.findall(r"(?m)^param (\w+) ", main))
    parameters = json.loads(read(INFRA / "main.parameters.json"))["parameters"]
    assert set(parameters) <= declared
    assert parameters["tokenSecret"]["value"] == "${REHEARSE_TOKEN_SECRET}"
    assert parameters["turnSecret"]["value"] == "${REHEARSE_TURN_SECRET}"


# -- (g) the relay image --------------------------------------------------------------------------------------------------
def test_the_relay_image_runs_as_non_root_and_exposes_8000():
    dockerfile = read(ROOT / "media_relay" / "Dockerfile")
    users = re.findall(r"(?m)^USER\s+(\S+)", dockerfile)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"(?m)^EXPOSE 8000$", dockerfile)
    assert re.search(r"(?m)^FROM \$\{PYTHON_IMAGE\}$", dockerfile) and "python:3.11-slim" in dockerfile
    assert "/healthz" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert re.search(r'(?m)^CMD \["python", "-m", "media_relay"\]$', dockerfile)
    assert "requirements.txt" in dockerfile and "requirements-dev.txt" not in dockerfile
    ignored = set(read(ROOT / ".dockerignore").split())
    assert {".venv", ".venv-build", ".rehearse-data", "node_modules", "test-artifacts", "tests", ".git"} <= ignored


def test_the_relay_image_replaces_pyavs_gpl_encoders_right_after_installing_it():
    dockerfile = read(ROOT / "media_relay" / "Dockerfile")
    install = next(block for block in dockerfile.split("\nRUN ") if "pip install --no-cache-dir -r requirements.txt" in block)
    assert "python scripts/gpl_free_av.py" in install, "run scripts/gpl_free_av.py in the layer that installs av"
    assert "apt-get purge -y --auto-remove gcc libc6-dev" in install, "the compiler leaves the image in the same layer"
    for path in ("scripts/gpl_free_av.py", "scripts/codec_stubs/"):
        assert f"COPY {path} {path}" in dockerfile, path


def test_the_relay_image_carries_the_end_of_turn_model_built_at_image_build_time():
    dockerfile = read(ROOT / "media_relay" / "Dockerfile")
    [target] = re.findall(r"(?m)^RUN python -m rehearse\.adapters\.local\.smart_turn_model (\S+)$", dockerfile)
    assert f"REHEARSE_SMART_TURN_MODEL_DIR={target}" in dockerfile
    assert dockerfile.index("smart_turn_model") > dockerfile.index("COPY rehearse/")


# -- the templates themselves ---------------------------------------------------------------------------------------------
def test_every_module_exists_and_is_used():
    main = code(INFRA / "main.bicep")
    used = set(re.findall(r"(?m)^module \w+ '([^']+)'", main))
    assert all((INFRA / path).is_file() for path in used)
    assert {f"modules/{p.name}" for p in MODULES.glob("*.bicep")} == used


def test_every_file_starts_with_a_comment_and_every_parameter_is_described():
    for path in BICEP_FILES:
        text = read(path)
        assert text.startswith("// "), f"{path.name}: start with a one-line comment saying what it deploys"
        for block in re.split(r"\n\s*\n", text):
            if re.search(r"(?m)^param ", block):
                assert "@description(" in block, f"{path.name}: describe {block.strip().splitlines()[-1]}"


def test_api_versions_are_stable():
    for path in BICEP_FILES:
        for resource_type, version in re.findall(r"'([\w.]+/[\w/]+)@([\w-]+)'", code(path)):
            if version.endswith("-preview"):
                assert resource_type in PREVIEW_API_ALLOWED, f"{path.name}: {resource_type}@{version} is a preview API"


def test_local_auth_is_off_everywhere():
    expectations = {
        "storage.bicep": "allowSharedKeyAccess: false",
        "cosmos.bicep": "disableLocalAuth: true",
        "webpubsub.bicep": "disableLocalAuth: true",
        "speech.bicep": "disableLocalAuth: true",
        "openai.bicep": "disableLocalAuth: true",
        "monitoring.bicep": "DisableLocalAuth: true",
        "keyvault.bicep": "enableRbacAuthorization: true",
        "registry.bicep": "adminUserEnabled: false",
    }
    for name, line in expectations.items():
        assert line in code(MODULES / name), f"{name}: {line}"


def test_local_settings_example_is_a_valid_functions_and_rehearse_configuration(monkeypatch):
    values = json.loads(read(ROOT / "local.settings.json.example"))["Values"]
    assert values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    for name, value in values.items():  # the Functions host hands them to the app as environment variables
        if name.startswith("REHEARSE_"):
            monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.world == "azure"
    # Keys are optional there: Web PubSub and Speech have no local emulator, so those use a dev resource and az login.
    expected = {setting_env_name(f) for f in azure_world_fields() if f not in LOCAL_ONLY}
    assert not expected - values.keys(), "give every Azure-world setting an example in local.settings.json.example"


# -- optional: a real parse, when pycep-parser (a Bicep parser in Python) is installed ----------------------------------
def test_templates_parse_and_modules_get_exactly_their_parameters():
    pycep = pytest.importorskip("pycep", reason="pip install pycep-parser to parse the Bicep files")
    parser = pycep.BicepParser()
    parsed = {path: parser.parse(text=read(path)) for path in BICEP_FILES}
    main_path = INFRA / "main.bicep"
    main_text = code(main_path)
    for symbol, module in parsed[main_path]["modules"].items():
        config = module["config"].get("config", module["config"])  # conditional modules nest one level deeper
        declared = parsed[INFRA / module["detail"]["path"]]["parameters"]
        required = {name for name, p in declared.items() if p.get("default") is None}
        passed = set(config["params"])
        assert passed <= set(declared), f"module {symbol} passes unknown parameters {passed - set(declared)}"
        assert required <= passed, f"module {symbol} misses required parameters {required - passed}"
        outputs = set(parsed[INFRA / module["detail"]["path"]].get("outputs", {}))
        used = set(re.findall(rf"\b{symbol}\.outputs\.(\w+)", main_text))
        assert used <= outputs, f"module {symbol} has no outputs {used - outputs}"


# -- optional: syntax errors and undefined names, when tree-sitter-bicep is installed ------------------------------------
_DECLARATIONS = {"parameter_declaration", "variable_declaration", "resource_declaration", "module_declaration", "output_declaration"}


def _names(root) -> tuple[set[str], list[tuple[str, int]], list[int]]:
    """Declared names (declarations, loop variables), referenced names and syntax-error lines of a parse tree."""
    declared: set[str] = set()
    used: list[tuple[str, int]] = []
    errors: list[int] = []
    stack = [(root, None, 0)]
    while stack:
        node, parent, index = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            errors.append(node.start_point.row + 1)
        if node.type == "identifier" and parent is not None:
            name = node.text.decode()
            if (parent.type in _DECLARATIONS and index == 0) or parent.child_by_field_name("initializer") == node:
                declared.add(name)
            elif not ((parent.type == "object_property" and index == 0) or parent.child_by_field_name("function") == node):
                used.append((name, node.start_point.row + 1))  # not a property key, not a function name
        stack.extend((child, node, i) for i, child in enumerate(c for c in node.children if c.is_named))
    return declared, used, errors


def test_templates_have_no_syntax_errors_or_undefined_names():
    grammar = pytest.importorskip("tree_sitter_bicep", reason="pip install tree-sitter tree-sitter-bicep to check Bicep syntax")
    tree_sitter = pytest.importorskip("tree_sitter")
    parser = tree_sitter.Parser(tree_sitter.Language(grammar.language()))
    for path in BICEP_FILES:
        declared, used, errors = _names(parser.parse(path.read_bytes()).root_node)
        assert not errors, f"{path.name}: syntax error near line(s) {sorted(set(errors))}"
        undefined = [(name, line) for name, line in used if name not in declared]
        assert not undefined, f"{path.name}: undefined names (name, line): {undefined}"
