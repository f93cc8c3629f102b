// Captures one response exactly as the app sends it (raw bytes, not decoded; every header but those the connection
// owns), for the bare server to send back the same way (bench/bare-server.ts).
import http from 'node:http';

export interface CapturedResponse {
  status: number;
  headers: Record<string, string>;
  bodyBase64: string;
}

/** Headers that belong to the connection or are recomputed per response, not to the response itself. */
const CONNECTION_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

export function captureResponse(url: string, headers: Record<string, string>): Promise<CapturedResponse> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const kept: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value === undefined || CONNECTION_HEADERS.has(name)) continue;
          kept[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: response.statusCode ?? 0, headers: kept, bodyBase64: Buffer.concat(chunks).toString('base64') });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
