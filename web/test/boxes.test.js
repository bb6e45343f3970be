// Findings' boxes over a picture (utils/boxes.js): the server's boxes are in
// the pixels of the image it read; the browser shows the picture at another
// size (and a video letterboxed inside its element), so boxes scale with it.
import { describe, it, expect } from 'vitest';
import { scaleBox, containRect, videoFrameSize, findingBoxes } from '../src/utils/boxes.js';

describe('scaleBox', () => {
  it('scales with the displayed size', () => {
    const box = { x: 280, y: 70, w: 240, h: 60 };
    // a 900×200 picture shown at half size
    expect(scaleBox(box, { width: 900, height: 200 }, { width: 450, height: 100 })).toEqual({ left: 140, top: 35, width: 120, height: 30 });
    // shown at its own size: unchanged
    expect(scaleBox(box, { width: 900, height: 200 }, { width: 900, height: 200 })).toEqual({ left: 280, top: 70, width: 240, height: 60 });
    // enlarged 1.5×
    expect(scaleBox(box, { width: 900, height: 200 }, { width: 1350, height: 300 })).toEqual({ left: 420, top: 105, width: 360, height: 90 });
  });

  it('adds the offset of the picture inside its element', () => {
    expect(scaleBox({ x: 0, y: 0, w: 100, h: 50 }, { width: 200, height: 100 }, { left: 10, top: 20, width: 100, height: 50 })).toEqual({ left: 10, top: 20, width: 50, height: 25 });
  });

  it('clips boxes that reach past the picture and drops empty or outside ones', () => {
    expect(scaleBox({ x: 180, y: 90, w: 50, h: 50 }, { width: 200, height: 100 }, { width: 200, height: 100 })).toEqual({ left: 180, top: 90, width: 20, height: 10 });
    expect(scaleBox({ x: -10, y: 0, w: 20, h: 10 }, { width: 200, height: 100 }, { width: 100, height: 50 })).toEqual({ left: 0, top: 0, width: 5, height: 5 });
    expect(scaleBox({ x: 300, y: 0, w: 20, h: 10 }, { width: 200, height: 100 }, { width: 200, height: 100 })).toBeNull();
    expect(scaleBox({ x: 0, y: 0, w: 0, h: 10 }, { width: 200, height: 100 }, { width: 200, height: 100 })).toBeNull();
    expect(scaleBox(null, { width: 200, height: 100 }, { width: 200, height: 100 })).toBeNull();
    // not measured yet (display 0×0): nothing to draw
    expect(scaleBox({ x: 0, y: 0, w: 10, h: 10 }, { width: 200, height: 100 }, { width: 0, height: 0 })).toBeNull();
  });
});

describe('containRect (a video letterboxed in its element)', () => {
  it('centres a wide picture with bars above and below', () => {
    expect(containRect({ width: 1920, height: 1080 }, { width: 640, height: 480 })).toEqual({ left: 0, top: 60, width: 640, height: 360 });
  });
  it('centres a tall picture with bars left and right', () => {
    expect(containRect({ width: 1080, height: 1920 }, { width: 640, height: 480 })).toEqual({ left: 185, top: 0, width: 270, height: 480 });
  });
  it('and a box on a frame lands on the picture, not on the bars', () => {
    const area = containRect({ width: 640, height: 360 }, { width: 640, height: 480 });
    expect(scaleBox({ x: 40, y: 150, w: 400, h: 50 }, { width: 640, height: 360 }, area)).toEqual({ left: 40, top: 210, width: 400, height: 50 });
  });
});

describe('videoFrameSize', () => {
  it('is the video size up to 1920 wide, scaled down (even height) beyond', () => {
    expect(videoFrameSize(1280, 720)).toEqual({ width: 1280, height: 720 });
    expect(videoFrameSize(3840, 2160)).toEqual({ width: 1920, height: 1080 });
    expect(videoFrameSize(2560, 1081)).toEqual({ width: 1920, height: 810 });
    expect(videoFrameSize(0, 0)).toBeNull();
  });
});

describe('findingBoxes', () => {
  it('draws one rectangle per text line when the server gives them, else the union', () => {
    const a = { x: 1, y: 1, w: 5, h: 5 };
    const b = { x: 1, y: 9, w: 5, h: 5 };
    expect(findingBoxes({ box: { x: 1, y: 1, w: 5, h: 13 }, boxes: [a, b] })).toEqual([a, b]);
    expect(findingBoxes({ box: a, boxes: [] })).toEqual([a]);
    expect(findingBoxes({ box: null })).toEqual([]);
  });
});
