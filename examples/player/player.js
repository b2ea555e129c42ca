// The player page's logic: hls.js with a wcs-token-auth token.
//
// Two ways to carry the token:
// - "query": only in the playlist URL (`…/live.m3u8?token=…`). WCS 5.2.1959 and later copy the playlist's query
//   parameters into every segment URI it writes, so nginx sees the token on segments too.
// - "xhr": hls.js's `xhrSetup` adds the token to every request it makes (playlists and segments). Older WCS
//   versions do not copy query parameters into segment URIs, and nginx would refuse those segments (401).
//
// Open the page as /?src=<playlist URL>&token=<token>&mode=query|xhr to start at once. What happens is written to
// `window.playerState` (read by the end-to-end test) and to the status line.

const TOKEN_PARAM = 'token';

export const playerState = { mode: null, events: [], fatal: null, playing: false, currentTime: 0 };
window.playerState = playerState;

const video = document.getElementById('video');
const statusLine = document.getElementById('status');

function note(event) {
  playerState.events.push({ at: Date.now(), ...event });
  statusLine.textContent = JSON.stringify({ ...event, currentTime: video.currentTime.toFixed(1) });
}

/** The URL with the token as a query parameter (replacing one already there). */
export function withToken(url, token) {
  const parsed = new URL(url, location.href);
  parsed.searchParams.set(TOKEN_PARAM, token);
  return parsed.toString();
}

export function play({ src, token, mode }) {
  playerState.mode = mode;
  if (!window.Hls.isSupported()) throw new Error('this browser has no Media Source Extensions');
  const hls = new window.Hls({
    // Live: start near the live edge; no low-latency parts (WCS's HLS is classic).
    lowLatencyMode: false,
    ...(mode === 'xhr'
      ? {
          // Called for every playlist and segment request: open it with the token in its URL.
          xhrSetup(xhr, url) {
            xhr.open('GET', withToken(url, token), true);
          },
        }
      : {}),
  });
  hls.on(window.Hls.Events.ERROR, (_event, data) => {
    // A refused token: nginx answers 401 (no token) or 403 (refused, revoked, expired, over its limits). Asking
    // again with the same token cannot help, but hls.js only gives up on a playlist; a refused segment it skips and
    // tries again for several seconds. So any 401/403 ends playback here: tell the viewer (a real page would ask
    // its backend for a new token and start again).
    const code = data.response?.code ?? null;
    note({ type: 'error', details: data.details, fatal: data.fatal, code });
    if (data.fatal || code === 401 || code === 403) {
      playerState.fatal = { details: data.details, code };
      hls.destroy();
    }
  });
  hls.on(window.Hls.Events.MANIFEST_PARSED, () => {
    note({ type: 'manifest' });
    video.play().catch((error) => note({ type: 'play_refused', message: String(error) }));
  });
  video.addEventListener('timeupdate', () => {
    playerState.currentTime = video.currentTime;
  });
  video.addEventListener('playing', () => {
    playerState.playing = true;
    note({ type: 'playing' });
  });
  hls.loadSource(mode === 'xhr' ? src : withToken(src, token));
  hls.attachMedia(video);
  return hls;
}

const form = document.getElementById('form');
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  play({ src: String(data.get('src')), token: String(data.get('token')), mode: String(data.get('mode')) });
});

const params = new URLSearchParams(location.search);
if (params.get('src') && params.get('token') !== null) {
  play({ src: params.get('src'), token: params.get('token'), mode: params.get('mode') === 'xhr' ? 'xhr' : 'query' });
}
