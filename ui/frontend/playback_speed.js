// Brings the playback speed chosen on the page to the step player of the same kind (ui/animation_player.py).
export default function (component) {
  const { kind, frame_ms: frameMs } = component.data;
  if (playbackSpeeds().get(kind) === frameMs) return;
  playbackSpeeds().set(kind, frameMs);
  window.dispatchEvent(new CustomEvent(SPEED_EVENT, { detail: kind }));
}
