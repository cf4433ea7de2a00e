"""The page is part of the deployment: the Function App serves web/ at its root, Easy Auth lets its files load, and
`azd up` ends by printing its address."""

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BICEP = ROOT / "infra" / "bicep"


def _page_paths() -> list[str]:
    module = (BICEP / "modules" / "functions.bicep").read_text()
    block = re.search(r"var pagePaths = \[(.*?)\n\]", module, re.S)
    assert block, "functions.bicep lists the page's files in var pagePaths"
    return re.findall(r"'([^']*)'", block.group(1))


def test_easy_auth_lets_every_file_of_the_page_load_and_nothing_else():
    files = sorted(f"/{p.name}" for p in (ROOT / "web").iterdir() if p.is_file())
    assert _page_paths() == ["/", *files], "web/ changed: update pagePaths in infra/bicep/modules/functions.bicep"
    module = (BICEP / "modules" / "functions.bicep").read_text()
    assert re.search(r"excludedPaths: concat\(\[\s*'/api/roles'\s*'/api/sessions/\*'\s*\], pagePaths\)", module)
    assert "unauthenticatedClientAction: 'Return401'" in module  # the API still refuses anyone not signed in


def test_the_page_is_the_function_apps_root():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["extensions"]["http"]["routePrefix"] == ""  # the API's own routes carry api/ (functions/api_blueprint.py)
    assert "AzureWebJobsDisableHomepage: 'true'" in (BICEP / "modules" / "functions.bicep").read_text()


def test_the_page_url_is_an_output_and_azd_prints_it_after_deploying():
    main = (BICEP / "main.bicep").read_text()
    assert re.search(r"^output WEB_URL string = '\$\{functions\.outputs\.url\}/'$", main, re.M)
    assert re.search(
        r"^output url string = 'https://\$\{functionApp\.properties\.defaultHostName\}'$",
        (BICEP / "modules" / "functions.bicep").read_text(),
        re.M,
    )
    hooks = yaml.safe_load((ROOT / "azure.yaml").read_text())["hooks"]["postdeploy"]
    assert "${WEB_URL}" in hooks["posix"]["run"] and "$env:WEB_URL" in hooks["windows"]["run"]


def test_the_deploy_guide_says_where_the_page_is():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert "not deployed by these templates" not in guide
    assert "https://<app>.azurewebsites.net/" in guide and "WEB_URL" in guide
