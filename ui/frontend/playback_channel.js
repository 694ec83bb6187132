// The playback speed of each kind of step player (see ui/animation_player.py), shared through the window by
// the player and the element that brings the speed: either may run first.
const SPEED_EVENT = 'descent-playback-speed';

function playbackSpeeds() {
  if (!window.descentPlaybackSpeeds) window.descentPlaybackSpeeds = new Map(); // kind → milliseconds per tick
  return window.descentPlaybackSpeeds;
}
