"""The deployment options an enterprise asks for (issue 16, part 4): private networking, a second TURN VM or a TURN
service of one's own, the region and data-residency choice. Like test_bicep_consistency.py these read the .bicep text
(no Bicep compiler here); each assertion names the file to fix."""

from __future__ import annotations

import json
import re

from rehearse.settings import Settings
from tests.infra.test_bicep_consistency import INFRA, MODULES, ROOT, code, env_entries, object_keys, param_default, read

MAIN = INFRA / "main.bicep"
DEPLOY_MD = ROOT / "docs" / "deploy.md"
# Every service the apps reach that gets a private endpoint: endpoint key -> (module symbol in main.bicep, its file,
# private link group id). Storage has two (blob and queue).
PRIVATE_ENDPOINTS = {
    "cosmos": ("cosmos", "cosmos.bicep", "Sql"),
    "blob": ("storage", "storage.bicep", "blob"),
    "queue": ("storage", "storage.bicep", "queue"),
    "vault": ("keyVault", "keyvault.bicep", "vault"),
    "speech": ("speech", "speech.bicep", "account"),
    "openai": ("openAi", "openai.bicep", "account"),
}
OPTION_PARAMETERS = (
    "privateNetworking",
    "vnetAddressPrefix",
    "turnVmCount",
    "turnUrls",
    "turnSecret",
    "location",
    "openAiDeploymentSku",
)


def module_blocks(text: str) -> dict[str, tuple[str, str, str]]:
    """main.bicep's modules: symbol -> (file, condition or '', body)."""
    blocks = re.findall(r"(?ms)^module (\w+) '([^']+)' = (?:if \((.*?)\) )?\{\n(.*?)^\}", text)
    return {symbol: (path, condition, body) for symbol, path, condition, body in blocks}


def targets(main: str) -> list[dict[str, str]]:
    body = module_blocks(main)["privateEndpoints"][2]
    entries = re.findall(r"(?ms)^\s*\{\n(\s*key: .*?)^\s*\}", body)
    return [dict(re.findall(r"(?m)^\s*(\w+): (.+?)\s*$", entry)) for entry in entries]


# -- private networking -------------------------------------------------------------------------------------------------
def test_private_networking_is_a_parameter_off_by_default_that_switches_the_network_modules_on():
    main = code(MAIN)
    assert param_default(main, "privateNetworking") == "false"
    modules = module_blocks(main)
    assert modules["network"][:2] == ("modules/network.bicep", "privateNetworking")
    assert modules["privateEndpoints"][:2] == ("modules/privateendpoints.bicep", "privateNetworking")
    assert "addressPrefix: vnetAddressPrefix" in modules["network"][2]
    assert "subnetId: network.outputs.privateEndpointSubnetId" in modules["privateEndpoints"][2]


def test_every_listed_service_gets_a_private_endpoint_in_its_dns_zone():
    main = code(MAIN)
    found = {t["key"].strip("'"): t for t in targets(main)}
    assert set(found) == set(PRIVATE_ENDPOINTS), "update the privateEndpoints targets in infra/bicep/main.bicep"
    network = code(MODULES / "network.bicep")
    zones = dict(
        re.findall(r"(?m)^  (\w+): '(privatelink\.[^']+)'$", re.search(r"(?ms)^var zoneNames = \{\n(.*?)^\}", network).group(1))
    )
    assert set(zones) == set(PRIVATE_ENDPOINTS), "infra/bicep/modules/network.bicep needs one private DNS zone per endpoint"
    for key, (symbol, _, group) in PRIVATE_ENDPOINTS.items():
        target = found[key]
        assert target["resourceId"] == f"{symbol}.outputs.id", key
        assert target["groupId"] == f"'{group}'", key
        assert target["dnsZoneId"] == f"network.outputs.dnsZoneIds.{key}", key
        assert re.search(rf"(?m)^  {key}: resourceId\('Microsoft.Network/privateDnsZones', zoneNames.{key}\)$", network), key
    # The OpenAI endpoint only when the resource is created here.
    assert "deployOpenAi ? [" in module_blocks(main)["privateEndpoints"][2]
    endpoints = code(MODULES / "privateendpoints.bicep")
    assert "privateLinkServiceId: target.resourceId" in endpoints and "privateDnsZoneId: target.dnsZoneId" in endpoints
    assert "for target in targets" in endpoints


def test_public_network_access_is_disabled_exactly_when_private_networking_is_on():
    main = code(MAIN)
    modules = module_blocks(main)
    for symbol, file, _ in set(PRIVATE_ENDPOINTS.values()):
        text = code(MODULES / file)
        assert param_default(text, "privateNetworking") == "false", file
        assert re.findall(r"publicNetworkAccess: (.+)", text) == ["privateNetworking ? 'Disabled' : 'Enabled'"], file
        # A firewall rule, where the resource has one (Cosmos DB has publicNetworkAccess only), denies by default too.
        assert set(re.findall(r"defaultAction: (.+)", text)) <= {"privateNetworking ? 'Deny' : 'Allow'"}, file
        assert "privateNetworking: privateNetworking" in modules[symbol][2], f"main.bicep: pass privateNetworking to {symbol}"
        assert re.search(r"(?m)^output id string = \w+\.id$", text), f"{file}: output the resource ID for its endpoint"


def test_the_apps_join_the_vnet():
    main = code(MAIN)
    modules = module_blocks(main)
    network = code(MODULES / "network.bicep")
    block = network.split("subnets: [", 1)[1].split("\nresource ", 1)[0]
    parts = re.split(r"(?m)^\s*name: '([\w-]+)'\n\s*properties: \{\n\s*addressPrefix: (.+)$", block)[1:]
    by_name = {parts[i]: (parts[i + 1], parts[i + 2]) for i in range(0, len(parts), 3)}
    assert set(by_name) == {"functions", "private-endpoints", "relay"}
    for name in ("functions", "relay"):
        assert "serviceName: 'Microsoft.App/environments'" in by_name[name][1], f"delegate the {name} subnet"
    assert len({prefix for prefix, _ in by_name.values()}) == 3
    # Flex Consumption VNet integration.
    functions = code(MODULES / "functions.bicep")
    assert "virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId" in functions
    assert "virtualNetworkSubnetId: privateNetworking ? network.outputs.functionsSubnetId : ''" in modules["functions"][2]
    # The Container Apps environment in the VNet, its ingress still external (browsers send offers to it).
    relay = code(MODULES / "relay.bicep")
    assert re.search(
        r"vnetConfiguration: empty\(infrastructureSubnetId\) \? null : \{\n\s*infrastructureSubnetId: infrastructureSubnetId\n\s*internal: false",
        relay,
    )
    assert "external: true" in relay
    assert "infrastructureSubnetId: privateNetworking ? network.outputs.relaySubnetId : ''" in modules["relay"][2]
    # Both apps start only once the endpoints they reach their storage and secrets through exist.
    for symbol in ("functions", "relay"):
        assert re.search(r"dependsOn: \[\n\s*roles\n\s*privateEndpoints\n\s*\]", modules[symbol][2]), symbol


def test_behind_its_private_endpoint_speech_is_reached_at_the_resources_own_endpoint():
    """The region's hosts do not lead to a Speech resource whose public access is off: the apps get its endpoint."""
    modules = module_blocks(code(MAIN))
    for symbol, path in (("functions", "functions.bicep"), ("relay", "relay.bicep")):
        assert "speechEndpoint: privateNetworking ? speech.outputs.endpoint : ''" in modules[symbol][2], symbol
        assert "REHEARSE_SPEECH_ENDPOINT" in code(MODULES / path), path
    assert "output endpoint string = speech.properties.endpoint" in code(MODULES / "speech.bicep")
    assert "speech_endpoint" in Settings.model_fields


# -- TURN -----------------------------------------------------------------------------------------------------------------
def test_one_or_two_turn_vms_or_none_with_a_turn_service_of_ones_own():
    main = code(MAIN)
    assert param_default(main, "turnVmCount") == "1"
    assert re.search(r"@allowed\(\[\n\s*0\n\s*1\n\s*2\n\s*\]\)\n@description\([^\n]*\)\nparam turnVmCount int", main)
    assert param_default(main, "turnUrls") == "[]"
    assert "deployTurn" not in main, "turnVmCount replaced deployTurn"
    modules = module_blocks(main)
    assert modules["turn"][:2] == ("modules/turn.bicep", "turnVmCount >= 1")
    assert modules["turnSecond"][:2] == ("modules/turn.bicep", "turnVmCount >= 2")
    names = {re.search(r"name: '([^']+)'\n\s*scope", modules[s][2]).group(1) for s in ("turn", "turnSecond")}
    vm_names = {re.search(r"(?m)^\s*name: '(turn[^']*)'$", modules[s][2]).group(1) for s in ("turn", "turnSecond")}
    assert len(names) == 2 and len(vm_names) == 2, "the two TURN VMs need distinct deployment and resource names"
    assert "turnSecret: turnSecret" in modules["turn"][2] and "turnSecret: turnSecret" in modules["turnSecond"][2]


def test_turn_options_reach_both_apps_as_today():
    main = code(MAIN)
    assert re.search(
        r"(?m)^var allTurnUrls = concat\(turnVmCount >= 1 \? turn\.outputs\.urls : \[\], turnVmCount >= 2 \? turnSecond\.outputs\.urls : \[\], turnUrls\)$",
        main,
    )
    modules = module_blocks(main)
    for symbol in ("functions", "relay"):
        assert "turnUrls: allTurnUrls" in modules[symbol][2], symbol
        assert "turnSecretUri" in modules[symbol][2] or "turnSecretName" in modules[symbol][2], symbol
    assert re.search(r"(?m)^output TURN_URLS array = allTurnUrls$", main)
    assert object_keys(code(MODULES / "functions.bicep"))["REHEARSE_TURN_URLS"] == "string(turnUrls)"
    assert env_entries(code(MODULES / "relay.bicep"))["REHEARSE_TURN_URLS"] == "value: string(turnUrls)"


def test_a_list_of_turn_urls_as_bicep_writes_it_is_what_the_apps_read(monkeypatch):
    # string(array) in ARM is the array's JSON.
    urls = [
        "turn:turn-x.swedencentral.cloudapp.azure.com:3478?transport=udp",
        "turn:turn2-x.swedencentral.cloudapp.azure.com:3478?transport=tcp",
        "turns:turn.example.com:443?transport=tcp",
    ]
    monkeypatch.setenv("REHEARSE_TURN_URLS", json.dumps(urls))
    assert Settings().turn_urls == urls


# -- documentation --------------------------------------------------------------------------------------------------------
def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ")]


def test_every_option_parameter_is_in_a_parameter_table_of_the_deploy_guide():
    rows = _table_rows(read(DEPLOY_MD))
    missing = [p for p in OPTION_PARAMETERS if not any(f"`{p}`" in row for row in rows)]
    assert not missing, f"add rows for {missing} to docs/deploy.md"


def test_every_main_parameter_is_documented_in_the_deploy_guide():
    doc = read(DEPLOY_MD)
    declared = re.findall(r"(?m)^param (\w+) ", code(MAIN))
    assert not [p for p in declared if f"`{p}`" not in doc], "document these infra/bicep/main.bicep parameters in docs/deploy.md"


def test_region_and_data_residency_are_described_in_one_place():
    doc = read(DEPLOY_MD)
    section = doc.split("## Region and data residency", 1)[1].split("\n## ", 1)[0]
    for word in ("`location`", "`openAiDeploymentSku`", "`GlobalStandard`", "`DataZoneStandard`", "`Standard`"):
        assert word in section, word
    main = code(MAIN)
    for param in ("location", "openAiDeploymentSku"):
        description = re.search(rf"@description\('([^\n]*)'\)\n(?:@[^\n]*\n)*param {param} ", main)
        assert description and "data" in description.group(1).lower(), f"main.bicep: {param}'s description names data residency"


def test_the_runbook_describes_every_alert_rule_the_templates_define():
    doc = read(DEPLOY_MD)
    runbook = doc.split("## Runbook", 1)[1].split("\n## ", 1)[0]
    assert "speech_check" in runbook and "report" in runbook and "End interview" in runbook
    alerts = [
        name
        for path in sorted(INFRA.rglob("*.bicep"))
        for name in re.findall(
            r"resource \w+ '(?:Microsoft\.Insights/(?:metricAlerts|scheduledQueryRules|activityLogAlerts))@[^']+' = [^{]*\{\n\s*name: '([^']+)'",
            code(path),
        )
    ]
    assert len(alerts) >= 7, alerts
    # a rule made per VM is named with its number: the runbook names each ("rehearse-turn-vm-down-1", "-2")
    names = [re.sub(r"\$\{i \+ 1\}", str(n), a) for a in alerts for n in ((1, 2) if "${" in a else (1,))]
    assert not [a for a in names if f"`{a}`" not in runbook], "describe these alert rules in docs/deploy.md's runbook"


def test_the_alert_rules_notify_the_operator_and_watch_what_this_deployment_runs():
    main = code(MAIN)
    alerts = code(MODULES / "alerts.bicep")
    block = module_blocks(main)["alerts"]
    assert block[1] == "", "the alert rules are always deployed"
    assert "alertEmail: alertEmail" in block[2] and "param alertEmail string = ''" in main
    assert "turnVmIds: concat(turnVmCount >= 1 ? [turn.outputs.vmId] : [], turnVmCount >= 2 ? [turnSecond.outputs.vmId] : [])" in block[2]
    # Every rule depends on the action group and sends to it when there is an address.
    rules = re.findall(r"(?ms)^resource (\w+) '(Microsoft\.Insights/(?:metricAlerts|scheduledQueryRules))@[^']+' = [^{]*\{\n(.*?)^\}", alerts)
    assert len(rules) == 7
    for symbol, kind, body in rules:
        assert re.search(r"dependsOn: \[\n\s*actionGroup\n\s*\]", body), symbol
        assert ("actions: metricActions" if kind.endswith("metricAlerts") else "actions: logActions") in body, symbol
    # The relay's log line the busy rule looks for is the one it writes.
    busy = re.search(r'Log has "([^"]+)"\x27\n', alerts.split("resource relayBusy", 1)[1])
    assert busy and busy.group(1) in read(ROOT / "media_relay" / "signaling.py")


def test_what_is_not_automated_is_short_and_true():
    not_automated = read(DEPLOY_MD).split("## What is not automated", 1)[1].split("\n## ", 1)[0]
    assert not re.search(r"(?i)delete an interview|private networking \(|more than one TURN", not_automated), (
        "that is automated now"
    )
