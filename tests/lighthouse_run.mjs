// Runs Lighthouse (the npm package pinned in package.json) once on a URL in a headless
// Chromium of its own, and writes <out>.report.json, <out>.report.html and
// <out>.devtoolslog.json (every DevTools protocol event of the run: the responses' headers).
// Usage: node lighthouse_run.mjs URL mobile|desktop OUT. Chromium is CHROME_PATH's; only the
// loopback's names resolve. tests/test_page_audits.py runs it and reads the files.
import { writeFile } from 'node:fs/promises';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

const [url, preset, out] = process.argv.slice(2);
if (!url || !['mobile', 'desktop'].includes(preset) || !out) {
  console.error('usage: node lighthouse_run.mjs URL mobile|desktop OUT');
  process.exit(2);
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
  ],
  logLevel: 'silent',
});
try {
  const result = await lighthouse(
    url,
    { port: chrome.port, output: ['json', 'html'], logLevel: 'error' },
    preset === 'desktop' ? desktopConfig : undefined,
  );
  if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
  const [json, html] = result.report;
  const log = result.artifacts.DevtoolsLog ?? result.artifacts.devtoolsLogs?.defaultPass ?? [];
  await writeFile(`${out}.report.json`, json);
  await writeFile(`${out}.report.html`, html);
  await writeFile(`${out}.devtoolslog.json`, JSON.stringify(log));
  const runtimeError = result.lhr.runtimeError;
  if (runtimeError) {
    console.error(`Lighthouse runtime error: ${runtimeError.code}: ${runtimeError.message}`);
    process.exitCode = 1;
  }
} finally {
  await chrome.kill();
}
