// The clinic in a real browser (the system's Chromium driven by playwright-core): log in,
// create a patient, chart a visit by clicking the face map, sign it, read the forecast and
// the patient's page, accept the palsy planner's proposal, and check that a second clinic
// sees nothing of the first and that a POST without the CSRF token is refused. Screenshots
// of the main pages go to web-tests/screenshots/. Started by scripts/test-browser.sh, which
// passes the server's address and the demo login in the environment.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const base = process.env.BONTSIM_URL;
const email = process.env.BONTSIM_EMAIL;
const password = process.env.BONTSIM_PASSWORD;
const shots = join(dirname(fileURLToPath(import.meta.url)), "screenshots");
mkdirSync(shots, { recursive: true });

let context;
let page;
const policyViolations = [];

async function login(page, email, password) {
  await page.goto(`${base}/login`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await Promise.all([page.waitForURL(`${base}/patients`), page.click("button[type=submit]")]);
}

/// A browser of its own: the system's Chromium with a fresh user-data directory.
function launch() {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "bontsim-chromium-")), {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
    viewport: { width: 1280, height: 1000 },
  });
}

before(async () => {
  context = await launch();
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) policyViolations.push(message.text());
  });
});

after(async () => {
  await context?.close();
});

let patientUrl;

test("a clinician logs in and creates a patient", async () => {
  await page.goto(`${base}/login`);
  await page.screenshot({ path: join(shots, "login.png") });
  await login(page, email, password);
  assert.match(await page.textContent("#patients"), /DEMO-GLABELLA/);
  await page.screenshot({ path: join(shots, "patients.png"), fullPage: true });
  await page.fill("#new-patient input[name=code]", "WEB-1");
  await page.fill("#new-patient input[name=birth_year]", "1985");
  await Promise.all([page.waitForURL(/\/patients\/[0-9a-f]{32}$/), page.click("#new-patient button")]);
  patientUrl = page.url();
  assert.match(await page.textContent("h1"), /WEB-1/);
});

test("a visit is charted by clicking the face map and signed", async () => {
  await page.goto(patientUrl);
  await page.fill("#new-visit input[name=lot]", "WEB-LOT-1");
  await page.fill("#new-visit input[name=expiry]", "2030-01-01");
  await page.fill("#new-visit input[name=product]", "Botox");
  await Promise.all([page.waitForURL(/\/visits\//), page.click("#new-visit-button")]);
  // Click the middle of the left corrugator region: the map names the muscle and side.
  const region = page.locator("#facemap #corrugator_supercilii_left");
  const box = await region.boundingBox();
  assert.ok(box, "the face map has the corrugator region");
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => document.getElementById("point-hint").textContent.startsWith("Point at"));
  assert.equal(await page.inputValue("#point-side"), "left");
  assert.notEqual(await page.inputValue("#point-x"), "");
  await page.fill("#point-units", "4");
  await Promise.all([page.waitForLoadState("load"), page.click("#add-point")]);
  await page.waitForSelector("#facemap .markers .point");
  assert.equal(await page.locator("#facemap .markers .point").count(), 1);
  // Live warnings: a large dose draws the core's label warning.
  await page.fill("#point-units", "150");
  await page.waitForFunction(() => document.querySelectorAll("#live-warnings .warning").length > 0);
  await page.fill("#point-units", "4");
  await Promise.all([page.waitForLoadState("load"), page.click("#mirror")]);
  await page.waitForFunction(() => document.querySelectorAll("#facemap .markers .point").length === 2);
  assert.match(await page.textContent("#overall-units"), /^8 U/);
  await page.screenshot({ path: join(shots, "visit.png"), fullPage: true });
  await Promise.all([page.waitForLoadState("load"), page.click("#sign")]);
  await page.waitForSelector("#addendum");
  assert.equal((await page.textContent("#visit-status")).trim(), "signed");
  assert.equal(await page.locator("#point-form").count(), 0, "a signed visit is locked");
});

test("the forecast chart and the patient's page show the plan", async () => {
  await page.goto(patientUrl);
  await page.waitForSelector("#forecast svg.chart path.series");
  assert.ok((await page.locator("#forecast svg.chart").count()) >= 2);
  assert.ok((await page.locator("#forecast line.today").count()) >= 1, "today is marked");
  await page.screenshot({ path: join(shots, "forecast.png"), fullPage: true });
  await page.click("#patient-page-link");
  await page.waitForSelector("#patient-page");
  assert.match(await page.textContent("#patient-page"), /Will my muscles atrophy\?/);
  assert.match(await page.textContent("#patient-page"), /not a medical device/);
  await page.screenshot({ path: join(shots, "patient-page.png"), fullPage: true });
});

test("the palsy planner's proposal is accepted as editable draft points", async () => {
  await page.goto(`${base}/patients`);
  await Promise.all([page.waitForURL(/\/patients\/[0-9a-f]{32}$/), page.click("text=DEMO-PALSY")]);
  await Promise.all([page.waitForURL(/\/proposal$/), page.click("#proposal-link")]);
  await page.waitForSelector("#facemap .markers .proposal");
  await page.screenshot({ path: join(shots, "proposal.png"), fullPage: true });
  await Promise.all([page.waitForURL(/\/visits\//), page.click("#accept-proposal")]);
  assert.equal((await page.textContent("#visit-status")).trim(), "draft");
  assert.ok((await page.locator("#facemap .markers .point").count()) >= 1);
  assert.equal(await page.locator("#point-form").count(), 1, "editable");
});

test("a second clinic's user cannot see the first clinic's patient", async () => {
  const output = execFileSync(process.env.BONTSIM_BIN, [
    "user", "add", "--clinic", "Other clinic", "--email", "other@clinic.invalid",
    "--database", process.env.BONTSIM_DATABASE,
  ]).toString();
  const otherPassword = output.split("password: ")[1].trim();
  const other = await launch();
  const otherPage = await other.newPage();
  await login(otherPage, "other@clinic.invalid", otherPassword);
  assert.doesNotMatch(await otherPage.textContent("main"), /WEB-1|DEMO-GLABELLA/);
  const response = await otherPage.goto(patientUrl);
  assert.equal(response.status(), 404);
  const exported = await otherPage.goto(`${patientUrl}/export.json`);
  assert.equal(exported.status(), 404);
  await otherPage.screenshot({ path: join(shots, "other-clinic.png") });
  await other.close();
});

test("a POST without the CSRF token is refused", async () => {
  const response = await context.request.post(`${base}/patients`, {
    form: { code: "NO-TOKEN", sex: "female", birth_year: "1980" },
    maxRedirects: 0,
  });
  assert.equal(response.status(), 403);
  await page.goto(`${base}/patients`);
  assert.doesNotMatch(await page.textContent("#patients"), /NO-TOKEN/);
});

test("no page broke the content security policy", () => {
  assert.deepEqual(policyViolations, []);
});
