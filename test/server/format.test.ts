import t from 'tap';
import { browserName } from '../../server/format.ts';

t.test('the account page names a sign-in by browser and system, not by its raw User-Agent', async (t) => {
  const cases: [string | null, string][] = [
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', 'Headless Chrome 156 on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86', 'Edge 131 on Windows'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 'Safari 18 on iOS'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox 133 on macOS'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.135 Mobile Safari/537.36', 'Chrome 131 on Android'],
    ['curl/8.5.0', 'curl/8.5.0'],
    [null, 'Not recorded'],
  ];
  for (const [ua, expected] of cases) t.equal(browserName(ua), expected, String(ua));
  t.equal(browserName('x'.repeat(100)).length, 58, 'an unknown long agent is shortened');
});
