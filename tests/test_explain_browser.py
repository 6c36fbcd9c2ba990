"""The explain pages in a real browser: headless Chromium, stepped with key presses.

Needs Chromium and its driver (Debian: apt-get install chromium chromium-driver; .ci/run
installs them) and selenium (the `test` extra). Skipped, saying so, where they are missing.
One browser serves every page, so the whole file takes a few seconds.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff.cli.app import cli

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    pytest.skip("no headless browser: install chromium and chromium-driver to run the explain page tests",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1300,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")

    def make(sample: str, *args: str) -> str:
        if not (SAMPLES / sample).exists():                 # x3.expr: the seed's y = x^3 alone
            (folder / sample).write_text("input x = 2.0\ny = x^3\n")
        out = folder / (sample.replace(".expr", "") + "_".join(args).replace("=", "").replace("-", "m") + ".html")
        result = CliRunner().invoke(cli, ["explain", str(SAMPLES / sample if (SAMPLES / sample).exists() else folder / sample), "-o", str(out), *args])
        assert result.exit_code == 0, result.output
        return out.as_uri()
    return make


def press(driver, key: str, times: int = 1) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    for _ in range(times):
        ActionChains(driver).send_keys(key).perform()


def state(driver) -> dict:
    """What the page shows now: the status line, and the ids of what is highlighted."""
    return driver.execute_script("""
        const ids = sel => Array.from(document.querySelectorAll(sel)).map(e => e.id);
        return {title: document.getElementById('step-title').textContent,
                text: document.getElementById('step-text').textContent,
                counter: document.getElementById('counter').textContent,
                nodes: ids('#graph .node.current'), rows: ids('tr.current'), lines: ids('.ln.current'),
                mark: (document.querySelector('.ln.current mark') || {}).textContent || null,
                future: ids('#graph .node.future'),
                invisible: Array.from(document.querySelectorAll('#graph .node, tr.row'))
                    .filter(e => getComputedStyle(e).visibility !== 'visible').map(e => e.id),
                shownAdjoints: Array.from(document.querySelectorAll('#graph text.adj'))
                    .filter(e => !e.classList.contains('hidden-b')).map(e => e.textContent),
                shownContribs: Array.from(document.querySelectorAll('#graph text.contrib'))
                    .filter(e => !e.classList.contains('hidden-b')).map(e => e.textContent)};
    """)


def console_errors(driver) -> list:
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def open_page(driver, url: str) -> None:
    driver.get(url)
    driver.get_log("browser")           # start from an empty log for this page
    driver.find_element("tag name", "body").click()


def test_seed_graph_forward_then_backward(browser, pages):
    from selenium.webdriver.common.keys import Keys
    open_page(browser, pages("seed_graph.expr"))
    s = state(browser)
    assert s["title"] == "Overview" and s["counter"] == "0 / 10" and "∂e/∂a = 22.0" in s["shownAdjoints"]
    press(browser, Keys.ARROW_RIGHT)
    s = state(browser)
    assert s["title"] == "Forward pass, step 1 of 5"
    assert s["nodes"] == ["n-v0"] and s["rows"] == ["r0"] and s["lines"] == ["L2"]
    assert "n-v4" in s["future"] and s["shownAdjoints"] == []
    assert s["invisible"] == []                 # dimmed, never hidden: the learner sees what is to come
    press(browser, Keys.ARROW_RIGHT)
    s = state(browser)
    assert s["nodes"] == ["n-v1"] and s["lines"] == ["L3"] and s["mark"] == "a * 3"
    assert s["text"] == "v1 (b) = v0 * 3.0 = 6.0"
    press(browser, Keys.ARROW_RIGHT, 4)                         # the first step of the sweep: the seed
    s = state(browser)
    assert s["title"] == "Backward sweep, step 1 of 5" and s["nodes"] == ["n-v4"] and s["future"] == []
    assert sorted(s["shownAdjoints"]) == ["seed 1.0", "∂e/∂e = 1.0"]
    press(browser, Keys.END)                                    # the input, last: the sum of its two edges
    s = state(browser)
    assert s["nodes"] == ["n-v0"] and s["rows"] == ["r0"]
    assert "12.0 (via b) + 10.0 (via c) = 22.0" in s["text"]
    assert sorted(s["shownContribs"]) == sorted(["+12.0", "+10.0", "+4.0", "+4.0", "+10.0"])
    press(browser, Keys.ARROW_LEFT)
    assert state(browser)["nodes"] == ["n-v1"]
    press(browser, Keys.ESCAPE)
    assert state(browser)["title"] == "Overview"
    assert console_errors(browser) == []


def test_buttons_step_like_the_keys(browser, pages):
    open_page(browser, pages("seed_graph.expr"))
    browser.find_element("id", "next").click()
    browser.find_element("id", "next").click()
    assert state(browser)["rows"] == ["r1"]
    browser.find_element("id", "backward").click()
    assert state(browser)["title"] == "Backward sweep, step 1 of 5"
    browser.find_element("id", "prev").click()
    assert state(browser)["title"] == "Forward pass, step 5 of 5"
    assert console_errors(browser) == []


def test_detach_page_draws_the_cut(browser, pages):
    from selenium.webdriver.common.keys import Keys
    open_page(browser, pages("seed_detach.expr"))
    cut = browser.execute_script("const c = document.querySelector('#graph .cut');"
                                 "return c && [c.dataset.src, c.dataset.dst, c.textContent];")
    assert cut[0] == "n-v1".replace("n-", "") and cut[2].startswith("✂ detach")
    press(browser, Keys.ARROW_RIGHT, 3)
    s = state(browser)
    assert s["nodes"] == ["n-v2"] and "u * v0" in s["text"] and s["mark"] == "u * x"
    assert console_errors(browser) == []


@pytest.mark.parametrize("point, shown, hidden", [("a=0.5", "if: true → its branch ran", "L10"),
                                                  ("a=-0.3", "if: false → its branch was skipped", "L8")])
def test_control_flow_shows_the_branch_taken(browser, pages, point, shown, hidden):
    from selenium.webdriver.common.keys import Keys
    open_page(browser, pages("seed_control_flow.expr", "--at", point))
    badges = browser.execute_script("return Array.from(document.querySelectorAll('.badge')).map(b => b.textContent)")
    assert shown in badges
    skipped = browser.execute_script("return Array.from(document.querySelectorAll('.ln.skipped')).map(e => e.id)")
    assert hidden in skipped
    press(browser, Keys.ARROW_RIGHT, 2)                         # b = a * 2, inside f
    s = state(browser)
    assert s["lines"] == ["L4"] and s["mark"] == "a * 2" and s["nodes"] == ["n-v1"] and s["invisible"] == []
    press(browser, Keys.ARROW_RIGHT)                            # the while condition's norm(b)
    assert state(browser)["lines"] == ["L5"]
    assert console_errors(browser) == []


def test_vjp_and_higher_order_pages(browser, pages):
    from selenium.webdriver.common.keys import Keys
    open_page(browser, pages("seed_vjp.expr", "--vjp", "[1, 0.5]"))
    grads = browser.find_element("id", "gradients-section").text
    assert "∂y/∂x = [2.0, 6.0]" in grads and "v·J" in grads
    press(browser, Keys.END)
    assert "2.0 (via v1) + 6.0 (via v3)" in state(browser)["text"].replace("[2.0, 0.0]", "2.0") \
        or "[2.0, 0.0] (via v1) + [0.0, 6.0] (via v3) = [2.0, 6.0]" in state(browser)["text"]
    assert console_errors(browser) == []
    open_page(browser, pages("seed_higher.expr"))         # asserts y' = 12 inside: holds at x = 2 only
    assert "no plot: around x = 2 the program fails" in browser.find_element("id", "plot-section").text
    open_page(browser, pages("x3.expr"))
    legend = browser.find_element("css selector", "#plot-section .legend").text
    # y = x^3 at x = 2: y' = 12, y'' = 12
    assert "f = 8.0, f' = 12.0, f'' = 12.0" in legend
    assert browser.execute_script("return document.querySelectorAll('#plot polyline').length") >= 3
    assert console_errors(browser) == []
