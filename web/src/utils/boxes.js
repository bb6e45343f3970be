// Findings' boxes over a picture or a video. The server's boxes are in the
// pixels of the image it read ({x,y,w,h}; for an image the size is in
// `ocr.width/height`, for a video the frames it read, at most 1920 px wide);
// the browser shows the picture at another size, so every box is scaled to
// the displayed rectangle. A <video> (object-fit: contain) letterboxes its
// picture inside the element: containRect() finds where the picture is.

/**
 * containRect(content {width,height}, box {width,height})
 *   → {left, top, width, height}: where content of that aspect ratio is drawn
 * inside the box when fitted whole and centred (object-fit: contain).
 */
export function containRect(content, box) {
  if (!content?.width || !content?.height || !box?.width || !box?.height) return { left: 0, top: 0, width: box?.width || 0, height: box?.height || 0 };
  const s = Math.min(box.width / content.width, box.height / content.height);
  const width = content.width * s;
  const height = content.height * s;
  return { left: (box.width - width) / 2, top: (box.height - height) / 2, width, height };
}

/**
 * scaleBox(box {x,y,w,h}, source {width,height}, display {left?,top?,width,height})
 *   → {left, top, width, height} in display pixels, clipped to the display;
 * null when the box is missing, empty or entirely outside.
 */
export function scaleBox(box, source, display) {
  if (!box || !(box.w > 0) || !(box.h > 0) || !source?.width || !source?.height || !display?.width || !display?.height) return null;
  const sx = display.width / source.width;
  const sy = display.height / source.height;
  const x0 = Math.max(0, box.x) * sx;
  const y0 = Math.max(0, box.y) * sy;
  const x1 = Math.min(source.width, box.x + box.w) * sx;
  const y1 = Math.min(source.height, box.y + box.h) * sy;
  if (x1 <= x0 || y1 <= y0) return null;
  const ox = display.left || 0;
  const oy = display.top || 0;
  return { left: ox + x0, top: oy + y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The size of the frames the server read from a video shown at
 * videoWidth × videoHeight: frames wider than maxWidth are scaled down to
 * maxWidth, height kept in proportion and even (ffmpeg scale=min(1920,iw):-2).
 */
export function videoFrameSize(videoWidth, videoHeight, maxWidth = 1920) {
  if (!videoWidth || !videoHeight) return null;
  if (videoWidth <= maxWidth) return { width: videoWidth, height: videoHeight };
  return { width: maxWidth, height: Math.round((videoHeight * maxWidth) / videoWidth / 2) * 2 };
}

/** The rectangles to draw for a finding: one per text line, else the union box. */
export function findingBoxes(f) {
  if (Array.isArray(f?.boxes) && f.boxes.length) return f.boxes;
  return f?.box ? [f.box] : [];
}
