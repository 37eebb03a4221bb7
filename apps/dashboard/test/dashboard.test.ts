import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startCashCoreSimulator } from '@kassa-relay/cash-core-sim';
import { agentRegisterIds } from '@kassa-relay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The dashboard is tested against the whole product as a user meets it, so it starts the same
// process world as the cloud's own tests: cloud, PostgreSQL, broker, agent and both simulators.
// eslint-disable-next-line @nx/enforce-module-boundaries -- test-only: the shared process world, no product code
import { ADMIN, CloudWorld, waitUntil } from '../../cloud/test/cloud-world';

const appDir = resolve(__dirname, '..');
const distDir = join(appDir, 'dist');
const outputDir = join(appDir, 'test-output');
const CHROMIUM = '/usr/bin/chromium';

/** Newest modification time under a path (a file or a folder tree). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** `vite build` when dist/ is missing or older than the sources, so the test never runs a stale bundle. */
function ensureBuilt(): void {
  const index = join(distDir, 'index.html');
  const sources = Math.max(
    newest(join(appDir, 'src')),
    newest(join(appDir, 'index.html')),
    newest(join(appDir, 'vite.config.ts')),
    // The bundle carries the admin API contract and the protocol schemas it is built on.
    newest(join(appDir, '../../libs/admin-api/src')),
    newest(join(appDir, '../../libs/protocol/src')),
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const viteBin = join(
    dirname(createRequire(join(appDir, 'package.json')).resolve('vite/package.json')),
    'bin/vite.js',
  );
  const build = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
    cwd: appDir,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}\n${build.stderr}`);
}

async function apiCall<T>(
  world: CloudWorld,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${world.cloud.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

// Page-side expressions are strings: this file is type-checked for Node, without the DOM library.
const focusedText = 'document.activeElement?.textContent';

const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(outputDir, `${name}.png`), fullPage: true });

/** Presses a button in the page, then the confirming button of the dialog it opens. */
async function confirmAction(page: Page, action: string, fill?: string): Promise<void> {
  await page.getByRole('button', { name: action, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  if (fill !== undefined) await dialog.getByRole('textbox').fill(fill);
  await dialog.getByRole('button', { name: action, exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/**
 * Waits until the register page lists the document of the command it has just run under "Recent
 * documents". The page refetches after a command (debounced, and again on each live event), and
 * each of its lists lands on its own: the register's "shift closed" may show before the new row
 * does. (A row added at the top of the table moves everything under it: the page keeps its links
 * above the table, so that a click pressed while a row lands is not released on the table.)
 */
async function commandDocumentListed(page: Page): Promise<void> {
  const href = await page
    .locator('.command-outcome')
    .getByRole('link', { name: 'Открыть документ' })
    .getAttribute('href');
  const documentId = href?.split('/').pop();
  expect(documentId).toBeTruthy();
  await page.locator(`section[aria-labelledby="recent"] tr[data-document-id="${documentId}"]`).waitFor();
}

async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Эл. почта').fill(email);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('heading', { name: 'Обзор касс', level: 1 }).waitFor();
}

describe('the dashboard in Chromium against the real cloud, agent and simulators', () => {
  const world = new CloudWorld({ env: { KASSA_DASHBOARD_DIR: distDir } });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let adminToken: string;
  let seed: NonNullable<CloudWorld['seed']>;

  beforeAll(async () => {
    mkdirSync(outputDir, { recursive: true });
    ensureBuilt();
    await world.start();
    seed = await world.seedStore();
    await world.startAgent();
    adminToken = await world.adminToken();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'ru-RU' });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await world.close();
  }, 60_000);

  it('serves the app at / and any client route, and signs in', async () => {
    const deepLink = await fetch(`${world.cloud.url}/documents?kind=receipt`);
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain('<div id="root">');

    await page.goto(world.cloud.url);
    await page.getByRole('heading', { name: 'kassa-relay' }).waitFor();
    await screenshot(page, '00-login');
    await page.getByLabel('Эл. почта').fill(ADMIN.email);
    await page.getByLabel('Пароль').fill('not-the-password');
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.getByRole('alert').filter({ hasText: 'Неверная почта или пароль' }).waitFor();

    await signIn(page, world.cloud.url, ADMIN.email, ADMIN.password);
    expect(await page.getByText(ADMIN.email).isVisible()).toBe(true);
  });

  it('shows both demo registers online, with the register currency', async () => {
    const online = page
      .locator('.register-card')
      .filter({ has: page.locator('.badge', { hasText: /^в сети$/ }) });
    await waitUntil(async () => (await online.count()) === 2, 20_000, 'two registers online');
    const names = await page.locator('.register-card h2').allInnerTexts();
    expect(names.sort()).toEqual(['Cash core 1', 'iKKM 1']);
    expect(await page.locator('.register-card').first().innerText()).toContain('₸');
    // Store and state filters narrow the list.
    await page.getByLabel('Состояние').selectOption('offline');
    await page.getByText('Нет касс под выбранные фильтры.').waitFor();
    await page.getByRole('button', { name: 'Сбросить фильтры' }).click();
    await waitUntil(async () => (await page.locator('.register-card').count()) === 2, 5_000, 'filters reset');
    await screenshot(page, '01-overview');
  });

  it('runs an X report from the register page and the new document appears without a reload', async () => {
    await page.getByRole('link', { name: 'iKKM 1' }).click();
    await page.getByRole('heading', { name: 'iKKM 1', level: 1 }).waitFor();
    await page.evaluate('window.noReload = true');

    await confirmAction(page, 'Открыть смену');
    await page.getByText('Открыть смену: выполнено').waitFor();
    // The iKKM opens its shift with the first document of the day: here, the cash-in.
    await confirmAction(page, 'Внесение', '5 000');
    await page.getByText('Внесение: выполнено').waitFor();
    await page
      .locator('.badge', { hasText: /^открыта/ })
      .first()
      .waitFor();
    await page
      .locator('section[aria-labelledby="current-shift"]')
      .getByText(/5\s000,00\s₸/)
      .first()
      .waitFor();

    await confirmAction(page, 'X-отчёт');
    await page.getByText('X-отчёт: выполнено').waitFor();
    const recent = page.locator('section[aria-labelledby="recent"] tbody tr');
    await recent.filter({ hasText: 'X-отчёт' }).first().waitFor();
    const before = await recent.filter({ hasText: 'X-отчёт' }).count();

    // An X report ordered by someone else (another office script) arrives through /admin alone.
    await apiCall(world, adminToken, 'POST', `/api/registers/${seed.registers.ikkm}/commands`, {
      type: 'report.x',
    });
    await waitUntil(
      async () => (await recent.filter({ hasText: 'X-отчёт' }).count()) === before + 1,
      15_000,
      'the second X report on the page',
    );
    expect(await page.evaluate('window.noReload')).toBe(true);
    await screenshot(page, '02-register');
  });

  it('closes the shift and shows its Z report', async () => {
    await confirmAction(page, 'Закрыть смену (Z)');
    const outcome = page.locator('.command-outcome');
    await outcome.filter({ hasText: 'Закрыть смену (Z): выполнено' }).waitFor();
    expect(await outcome.innerText()).toContain('Наличные в кассе');
    await page.getByText('Смена закрыта.').waitFor();
    // The Z report is listed among the recent documents (live, without a reload).
    await commandDocumentListed(page);

    await page.getByRole('link', { name: 'Все смены' }).click();
    await page.getByRole('heading', { name: 'Смены и Z-отчёты', level: 1 }).waitFor();
    const shift = page.locator('.shift-card').first();
    await shift.locator('.badge', { hasText: 'закрыта' }).waitFor();
    await shift.getByText('Z-отчёт', { exact: true }).click();
    const zReport = shift.locator('details.z-report');
    await zReport.getByText('Сумма внесений', { exact: true }).waitFor();
    expect(await zReport.innerText()).toMatch(/Сумма внесений\s+5\s000,00\s₸/);
    await shift.getByText('По видам оплаты и налогам').click();
    await shift.getByText('В этой смене не было чеков.').waitFor();
    await screenshot(page, '03-shifts');
  });

  it('creates an operator bound to the cash core and the simulator has it', async () => {
    await page.getByRole('link', { name: 'Кассиры' }).click();
    await page.getByRole('heading', { name: 'Кассиры', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Добавить кассира' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Имя').fill('Айгерим Садыкова');
    await dialog.getByLabel('Роль').selectOption('seniorCashier');
    await dialog.getByLabel('PIN (4–8 цифр, необязательно)').fill('12');
    await dialog.getByText('PIN — от 4 до 8 цифр').waitFor();
    await dialog.getByLabel('PIN (4–8 цифр, необязательно)').fill('4321');
    await dialog.getByLabel(/Cash core 1/).check();
    await dialog.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByText('Кассир «Айгерим Садыкова» добавлен.').waitFor();
    const row = page.locator('tr[data-operator="Айгерим Садыкова"]');
    await row.getByText(/записан в кассу/).waitFor();

    const simState = (await (await fetch(`${world.cashCore.url}/_sim/state`)).json()) as unknown;
    expect(JSON.stringify(simState)).toContain('Айгерим Садыкова');
    await screenshot(page, '04-operators');
  });

  it('creates a POS key shown once, and a /sale made with it shows in Documents', async () => {
    await page.getByRole('link', { name: 'Ключи POS' }).click();
    await page.getByRole('heading', { name: 'Ключи POS', level: 1 }).waitFor();
    const form = page.locator('section[aria-labelledby="create-key"]');
    await form.getByLabel('Касса').selectOption(seed.registers.cashCore);
    await form.getByLabel('Название').fill('Касса сайта');
    await form.getByRole('button', { name: 'Создать ключ' }).click();
    const key = (await page.locator('#new-pos-key').innerText()).trim();
    expect(key).toMatch(/^kr_pos_/);
    await page.getByRole('button', { name: 'Копировать' }).waitFor();
    await page.locator('tr', { hasText: 'Касса сайта' }).getByText('действует').waitFor();
    await screenshot(page, '05-pos-keys');

    await apiCall(world, adminToken, 'POST', `/api/registers/${seed.registers.cashCore}/commands`, {
      type: 'shift.open',
    });
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const docTime = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
    const response = await fetch(`${world.cloud.url}/sale`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        docTime,
        docNumber: 'WEB-1001',
        employeeName: 'Иванова А.',
        amount: 123_450,
        currency: 'KZT',
        items: [
          {
            itemId: '1',
            itemName: 'Кофе зерновой',
            itemQty: 2000,
            itemAmount: 100_000,
            itemTaxes: [{ taxName: 'НДС', taxPrc: 1200 }],
          },
          {
            itemId: '2',
            itemName: 'Круассан',
            itemQty: 1000,
            itemAmount: 23_450,
            itemTaxes: [{ taxName: 'НДС', taxPrc: 1200 }],
          },
        ],
        payments: { cashAmount: 150_000 },
      }),
    });
    const answer = (await response.json()) as { status: string; fiscalID?: string };
    expect(answer.status).toBe('success');
    const fiscalId = answer.fiscalID!;
    expect(fiscalId).toBeTruthy();

    await page.getByRole('link', { name: 'Документы' }).click();
    await page.getByRole('heading', { name: 'Документы', level: 1 }).waitFor();
    await page.getByLabel('Фискальный признак').fill(fiscalId);
    await page.getByRole('button', { name: 'Найти' }).click();
    const row = page.locator('tbody tr', { hasText: fiscalId });
    await row.waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await row.innerText()).toMatch(/1\s234,50\s₸/);
    await page.getByRole('button', { name: 'Сбросить фильтры' }).click();
    await page.locator('tbody tr').nth(3).waitFor();
    await screenshot(page, '06-documents');

    await page.getByLabel('Фискальный признак').fill(fiscalId);
    await page.getByRole('button', { name: 'Найти' }).click();
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: 'Продажа', level: 1 }).waitFor();
    await page.getByRole('cell', { name: 'Кофе зерновой' }).waitFor();
    expect(await page.locator('[data-field="fiscalId"]').innerText()).toBe(fiscalId);
    await page.getByRole('img', { name: `QR-код чека ${fiscalId}` }).waitFor();
    await page.getByRole('img', { name: 'Изображение чека, сформированное кассой' }).waitFor();
    // 12 % VAT included in 1 234,50: 1 234,50 × 12 / 112 = 132,27.
    expect(await page.locator('section[aria-labelledby="doc-taxes"]').innerText()).toMatch(
      /НДС 12%\s+132,27\s₸/,
    );
    const payments = await page.locator('section[aria-labelledby="doc-payments"]').innerText();
    expect(payments).toContain('Наличные');
    expect(payments).toContain('Сдача');
    await screenshot(page, '07-receipt');

    // Revoked in the dashboard, the key stops working at once.
    await page.getByRole('link', { name: 'Ключи POS' }).click();
    const keyRow = page.locator('tr', { hasText: 'Касса сайта' });
    await keyRow.getByRole('button', { name: 'Отозвать' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Отозвать' }).click();
    await keyRow.getByText(/^отозван/).waitFor();
    const refused = await fetch(`${world.cloud.url}/sale`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ docTime, docNumber: 'WEB-1002', amount: 100, items: [], payments: {} }),
    });
    // Seed 001 answers every /sale with HTTP 200 and the outcome in the body.
    expect(((await refused.json()) as { status: string }).status).not.toBe('success');
  });

  it('shows the agent online and an enrollment command to copy', async () => {
    await page.getByRole('link', { name: 'Агенты' }).click();
    await page.getByRole('heading', { name: 'Агенты магазинов', level: 1 }).waitFor();
    await page.locator(`tr[data-agent-id="${seed.agentId}"]`).getByText('в сети').waitFor();
    await page.getByLabel('Название компьютера').fill('Мини-ПК склад');
    await page.getByRole('button', { name: 'Создать токен' }).click();
    const command = await page.locator('#enroll-command').innerText();
    expect(command).toMatch(/^kassa-agent enroll --cloud \S+ --token \S+/);
    await screenshot(page, '08-agents');
  });

  it('draws the sales chart and keeps the audit log', async () => {
    await page.getByRole('link', { name: 'Продажи' }).click();
    await page.getByRole('heading', { name: 'Продажи', level: 1 }).waitFor();
    await page.locator('.chart svg').waitFor();
    expect(await page.locator('.chart rect.bar-sales').count()).toBe(24);
    // The currency sign comes with the register list, which may arrive after the report.
    await page.locator('.summary', { hasText: /1\s234,50\s₸/ }).waitFor();
    await screenshot(page, '09-sales');
    await page.getByRole('button', { name: 'По дням за месяц' }).click();
    await waitUntil(
      async () => (await page.locator('.chart rect.bar-sales').count()) >= 28,
      10_000,
      'month chart',
    );

    await page.getByRole('link', { name: 'Журнал действий' }).click();
    await page.getByRole('heading', { name: 'Журнал действий', level: 1 }).waitFor();
    await page.locator('tbody tr', { hasText: 'Создан ключ POS' }).waitFor();
    await screenshot(page, '10-audit');
  });

  it('switches to English and remembers it', async () => {
    await page.getByRole('button', { name: 'EN' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Registers', level: 1 }).waitFor();
    await screenshot(page, '11-overview-en');
    await page.getByRole('button', { name: 'RU' }).click();
    await page.getByRole('heading', { name: 'Обзор касс', level: 1 }).waitFor();
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      locale: 'ru-RU',
    });
    const mobile = await phone.newPage();
    await signIn(mobile, world.cloud.url, ADMIN.email, ADMIN.password);
    await mobile.locator('.register-card').nth(1).waitFor();
    const overflow = await mobile.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await mobile.getByRole('button', { name: 'Меню' }).click();
    await mobile.getByRole('link', { name: 'Документы' }).waitFor();
    await screenshot(mobile, '12-phone-overview');
    await phone.close();
  });

  it('lets a viewer see everything and press no action', async () => {
    const email = 'viewer@example.kz';
    await apiCall(world, adminToken, 'POST', '/api/users', {
      email,
      password: 'viewer-pass-42',
      role: 'viewer',
    });
    const viewer = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'ru-RU' });
    const viewerPage = await viewer.newPage();
    viewerPage.setDefaultTimeout(20_000);
    await signIn(viewerPage, world.cloud.url, email, 'viewer-pass-42');
    await viewerPage.getByText('Вы вошли как наблюдатель').waitFor();
    await viewerPage.goto(`${world.cloud.url}/registers/${seed.registers.ikkm}`);
    await viewerPage.getByRole('heading', { name: 'iKKM 1', level: 1 }).waitFor();
    for (const action of ['Открыть смену', 'X-отчёт', 'Закрыть смену (Z)', 'Внесение', 'Изъятие'])
      expect(await viewerPage.getByRole('button', { name: action, exact: true }).isDisabled()).toBe(true);
    // Clicking a disabled button does nothing: no dialog opens.
    await viewerPage.getByRole('button', { name: 'X-отчёт', exact: true }).click({ force: true });
    expect(await viewerPage.getByRole('dialog').isVisible()).toBe(false);
    await viewerPage.goto(`${world.cloud.url}/operators`);
    await viewerPage.locator('tr[data-operator="Айгерим Садыкова"]').waitFor();
    expect(await viewerPage.getByRole('button', { name: 'Добавить кассира' }).isDisabled()).toBe(true);
    await screenshot(viewerPage, '13-viewer-register');
    await viewer.close();
  });

  it('deletes the operator and the cash core loses it', async () => {
    await page.getByRole('link', { name: 'Кассиры' }).click();
    const row = page.locator('tr[data-operator="Айгерим Садыкова"]');
    await row.getByRole('button', { name: 'Сменить PIN' }).click();
    await page.getByRole('dialog').getByLabel('Новый PIN (4–8 цифр)').fill('8765');
    await page.getByRole('dialog').getByRole('button', { name: 'Сменить PIN' }).click();
    await page.getByText('PIN кассира «Айгерим Садыкова» изменён.').waitFor();

    await row.getByRole('button', { name: 'Удалить' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Удалить' }).click();
    await page.getByText('Кассир «Айгерим Садыкова» удалён.').waitFor();
    await row.waitFor({ state: 'detached' });
    const simState = (await (await fetch(`${world.cashCore.url}/_sim/state`)).json()) as unknown;
    expect(JSON.stringify(simState)).not.toContain('Айгерим Садыкова');
  });

  it('adds a register in "Stores and registers"; the running agent drives it at once, and lets it go', async () => {
    const extra = await startCashCoreSimulator({
      port: 0,
      stateDir: join(world.dir.path, 'cc-added'),
      adminPin: '0000',
    });
    const agentRegisters = () => agentRegisterIds(world.agent!);
    try {
      await page.getByRole('link', { name: 'Магазины и кассы' }).click();
      await page.getByRole('heading', { name: 'Магазины и кассы', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Добавить кассу в «Магазин на Абая»' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await dialog.getByLabel('Касса', { exact: true }).fill('Касса 3');
      await dialog.getByLabel('Адрес кассы в сети магазина').fill(extra.url);
      await dialog.getByLabel('Код доступа кассового ядра').fill('0000');
      await dialog.getByLabel('kkm_ofd_id кассы').fill('6923');
      // The store's agent is chosen already.
      expect(await dialog.getByLabel('Агент').inputValue()).toBe(seed.agentId);
      await dialog.getByRole('button', { name: 'Сохранить' }).click();
      await page.getByText('Касса «Касса 3» добавлена.').waitFor();
      const row = page.locator('tr[data-register="Касса 3"]');
      await row.locator('.badge', { hasText: /^в сети$/ }).waitFor();
      await screenshot(page, '15-stores');

      const registers = await apiCall<{ id: string; name: string }[]>(
        world,
        adminToken,
        'GET',
        '/api/registers',
      );
      const added = registers.find((r) => r.name === 'Касса 3')!.id;
      // No restart, no file edited by hand: the agent asks the new register at once.
      const info = await apiCall<{ status: string }>(
        world,
        adminToken,
        'POST',
        `/api/registers/${added}/commands`,
        {
          type: 'register.info',
        },
      );
      expect(info.status).toBe('done');
      expect(await agentRegisters()).toContain(added);

      // Renamed and unbound: the agent lets it go.
      await row.getByRole('button', { name: 'Изменить кассу «Касса 3»' }).click();
      await dialog.waitFor();
      await dialog.getByLabel('Касса', { exact: true }).fill('Касса 3 (склад)');
      await dialog.getByLabel('Агент').selectOption('');
      await dialog.getByRole('button', { name: 'Сохранить' }).click();
      await page.getByText('Касса «Касса 3 (склад)» сохранена.').waitFor();
      await page.locator('tr[data-register="Касса 3 (склад)"] .badge', { hasText: 'без агента' }).waitFor();
      await waitUntil(
        async () => !(await agentRegisters()).includes(added),
        15_000,
        'the agent dropped the register',
      );
    } finally {
      await extra.close();
    }
  });

  it('pages through many documents with the keyset cursor', async () => {
    // 120 older receipts straight into the ledger: enough for three pages of 50.
    const base = Date.now() - 3 * 86_400_000;
    await world.prisma.fiscalDocument.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({
        registerId: seed.registers.cashCore,
        idempotencyKey: `bulk-${i}`,
        commandId: `bulk-${i}`,
        kind: 'receipt',
        operation: 'sale',
        status: 'done' as const,
        total: 1000 + i,
        fiscalId: `BULK-${String(i).padStart(3, '0')}`,
        originChannel: 'sale',
        requestedAt: new Date(base + i * 60_000),
        completedAt: new Date(base + i * 60_000),
      })),
    });
    await page.goto(`${world.cloud.url}/documents?registerId=${seed.registers.cashCore}&kind=receipt`);
    const rows = page.locator('tbody tr');
    const fiscalIds = async () => (await page.locator('tbody td.mono').allInnerTexts()).map((t) => t.trim());
    await rows.nth(49).waitFor();
    expect(await rows.count()).toBe(50);
    const first = await fiscalIds();
    await page.getByRole('button', { name: 'Дальше →' }).click();
    await page.getByText('Страница 2').waitFor();
    await waitUntil(async () => (await fiscalIds())[0] !== first[0], 10_000, 'page 2');
    const second = await fiscalIds();
    expect(second).toHaveLength(50);
    expect(second.some((id) => first.includes(id))).toBe(false);
    await page.getByRole('button', { name: 'Дальше →' }).click();
    await page.getByText('Страница 3').waitFor();
    await waitUntil(async () => (await rows.count()) === 121 - 100, 10_000, 'the last page');
    expect(await page.getByRole('button', { name: 'Дальше →' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Назад' }).click();
    await page.getByText('Страница 2').waitFor();
    await waitUntil(async () => (await fiscalIds())[0] === second[0], 10_000, 'back on page 2');
  });

  it('is usable with the keyboard alone', async () => {
    await page.goto(`${world.cloud.url}/registers/${seed.registers.cashCore}`);
    await page.getByRole('heading', { name: 'Cash core 1', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(focusedText)).toBe('Перейти к содержимому');
    const xReport = page.getByRole('button', { name: 'X-отчёт', exact: true });
    await xReport.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // The confirming button takes the focus; Escape cancels without running anything.
    expect(await page.evaluate(focusedText)).toBe('X-отчёт');
    expect(await page.evaluate("!!document.activeElement?.closest('dialog')")).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('.command-outcome').count()).toBe(0);
    // Focus returns to the button that opened it (once the dialog is closed, not only emptied).
    await waitUntil(
      async () =>
        (await page.evaluate(focusedText)) === 'X-отчёт' &&
        !(await page.evaluate("!!document.activeElement?.closest('dialog')")),
      10_000,
      'the focus back on the X-report button',
    );
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    // The browser fires `close` in a task of its own: on a busy page the one from the Escape can come
    // after the dialog was opened again. Late, it must not close the dialog the user just opened.
    await page.evaluate("document.querySelector('dialog[open]').dispatchEvent(new Event('close'))");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await dialog.isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByText('X-отчёт: выполнено').waitFor();
  });

  it('shows a document in doubt with its evidence, filters it, and lets an admin (not a viewer) decide it', async () => {
    // A receipt the agent reported in doubt: the fiscal call was sent, the register never confirmed it.
    const evidence = [
      {
        at: new Date(Date.now() - 60_000).toISOString(),
        text: 'повтор с тем же ключом: касса занята (-2), попробую позже',
      },
      { at: new Date(Date.now() - 120_000).toISOString(), text: 'ответ на TradeOperation не пришёл за 15 с' },
    ];
    const doubtful = await world.prisma.fiscalDocument.create({
      data: {
        registerId: seed.registers.cashCore,
        idempotencyKey: 'doubt-browser-1',
        commandId: 'doubt-browser-command-1',
        kind: 'receipt',
        operation: 'sale',
        status: 'inDoubt',
        total: 77_700,
        originChannel: 'sale',
        requestedAt: new Date(Date.now() - 180_000),
        doubtSince: new Date(Date.now() - 120_000),
        doubtAttempts: 4,
        doubtNeeds: 'operator',
        doubtEvidence: evidence,
        doubtUpdatedAt: new Date(),
      },
    });

    // Overview: the total and the register's own badge.
    await page.goto(world.cloud.url);
    await page.getByRole('heading', { name: 'Обзор касс', level: 1 }).waitFor();
    await page.locator('[data-summary="inDoubt"] dd', { hasText: '1' }).waitFor();
    const card = page.locator(`.register-card[data-register-id="${seed.registers.cashCore}"]`);
    await card.locator('.badge', { hasText: 'под вопросом: 1' }).click();

    // The badge opens the documents filtered to this register's documents in doubt.
    await page.getByRole('heading', { name: 'Документы', level: 1 }).waitFor();
    expect(await page.getByLabel('Статус').inputValue()).toBe('inDoubt');
    const row = page.locator(`tbody tr[data-document-id="${doubtful.id}"]`);
    await row.waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await row.innerText()).toContain('под вопросом');

    // The register page lists it too.
    await page.goto(`${world.cloud.url}/registers/${seed.registers.cashCore}`);
    await page
      .locator('section[aria-labelledby="in-doubt"]')
      .locator(`tr[data-document-id="${doubtful.id}"]`)
      .waitFor();

    // A viewer reads the evidence and cannot decide.
    const viewer = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'ru-RU' });
    try {
      const viewerPage = await viewer.newPage();
      viewerPage.setDefaultTimeout(20_000);
      await signIn(viewerPage, world.cloud.url, 'viewer@example.kz', 'viewer-pass-42');
      await viewerPage.goto(`${world.cloud.url}/documents/${doubtful.id}`);
      await viewerPage.getByText(evidence[0]!.text).waitFor();
      expect(await viewerPage.getByRole('button', { name: 'Принять решение…' }).isDisabled()).toBe(true);
    } finally {
      await viewer.close();
    }

    // The admin sees the evidence, latest first, and what is needed.
    await page.goto(`${world.cloud.url}/documents/${doubtful.id}`);
    await page.getByRole('heading', { name: 'Продажа', level: 1 }).waitFor();
    const doubt = page.locator('section[aria-labelledby="doc-doubt"]');
    await doubt.getByText(evidence[0]!.text).waitFor();
    expect(await doubt.locator('.evidence li').allInnerTexts()).toEqual([
      expect.stringContaining(evidence[0]!.text),
      expect.stringContaining(evidence[1]!.text),
    ]);
    expect(await doubt.locator('[data-field="needs"]').innerText()).toContain(
      'решение принимает администратор',
    );
    await screenshot(page, '16-document-in-doubt');

    // The form refuses a decision without its reason, then asks for confirmation.
    const form = page.locator('section[aria-labelledby="doc-resolve"]');
    await form.getByLabel('выполнен — чек есть на кассе или в ОФД').check();
    await form.getByRole('button', { name: 'Принять решение…' }).click();
    await form.getByText('Для чека укажите фискальный признак').waitFor();
    await form.getByText('Напишите, на чём основано решение').waitFor();
    expect(await page.getByRole('dialog').isVisible()).toBe(false);
    await form.getByLabel('Фискальный признак (с чека или из ОФД)').fill('PAPER-777');
    await form.getByLabel('Основание решения').fill('чек есть на ленте кассы и в ОФД');
    await form.getByRole('button', { name: 'Принять решение…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('с фискальным признаком PAPER-777').waitFor();
    await dialog.getByRole('button', { name: 'Записать решение' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Решение записано.').waitFor();
    await page.locator('.page-header .badge', { hasText: 'выполнен' }).waitFor();
    const resolution = page.locator('section[aria-labelledby="doc-resolution"]');
    expect(await resolution.innerText()).toContain('документ выполнен на кассе');
    expect(await resolution.innerText()).toContain(ADMIN.email);
    expect(await page.locator('[data-field="fiscalId"]').innerText()).toBe('PAPER-777');
    expect(await form.count()).toBe(0);
    await screenshot(page, '17-document-resolved');

    const stored = await world.prisma.fiscalDocument.findUniqueOrThrow({ where: { id: doubtful.id } });
    expect(stored).toMatchObject({ status: 'done', resolution: 'done', resolvedBy: ADMIN.email });
    const audit = await apiCall<{ items: { action: string; target: string }[] }>(
      world,
      adminToken,
      'GET',
      '/api/audit?limit=5',
    );
    expect(audit.items.find((entry) => entry.action === 'document.resolve')?.target).toBe(doubtful.id);
    // Settled: the overview no longer counts it.
    await page.goto(world.cloud.url);
    await page.locator('[data-summary="inDoubt"] dd', { hasText: '0' }).waitFor();
    // Back where the next test expects to be.
    await page.goto(`${world.cloud.url}/registers/${seed.registers.cashCore}`);
    await page.getByRole('heading', { name: 'Cash core 1', level: 1 }).waitFor();
  });

  it('explains a refused operation and an offline agent in plain words', async () => {
    // Still on the cash core's page: take out far more than the drawer holds.
    await confirmAction(page, 'Изъятие', '1 000 000');
    const outcome = page.locator('.command-outcome');
    await outcome.filter({ hasText: 'Изъятие: не выполнено' }).waitFor();
    const text = await outcome.innerText();
    expect(text).toContain('Недостаточно наличных в кассе');
    expect(text).toMatch(/Ответ кассы: «not_enough_cash[^»]*» \(код 58\)/);

    await world.stopAgent();
    await page.locator('.badge', { hasText: 'агент не в сети' }).waitFor();
    await confirmAction(page, 'X-отчёт');
    await outcome.filter({ hasText: 'X-отчёт: не выполнено' }).waitFor();
    expect(await outcome.innerText()).toContain('Агент магазина не в сети');
    await screenshot(page, '14-register-errors');
  });
});
