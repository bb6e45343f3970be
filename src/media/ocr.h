/* ocr.h — text in images with tesseract (a child process: `tesseract FILE
 * stdout -l chi_sim+eng -c hocr_char_boxes=1 hocr`), with the position of
 * every character.
 *
 * The recognised words are joined into one text: words of a line without a
 * space between Chinese characters and with one between Latin words, the
 * lines of a paragraph with a space (so that a phrase wrapped over two lines
 * is still one phrase), paragraphs and blocks with a line break. Each code
 * point of the text carries the box tesseract gives that character (where
 * it gives none, its share of the word's box). Separators carry an empty
 * box.
 *
 * Thread-safe (every call runs its own child). Slow (about 0.3–3 s per
 * image): call it from a job or under a concurrency limit, never unbounded
 * in an HTTP thread.
 */
#ifndef ZD_OCR_H
#define ZD_OCR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int x, y, w, h; /* pixels; w == 0 for none */
} ocr_box_t;

typedef struct {
    const char *langs;     /* NULL: "chi_sim+eng" */
    int timeout_ms;        /* 0: 60 s */
    int64_t max_memory_mb; /* child's address space; 0: 2048 */
    bool retry_block;      /* when automatic page segmentation finds no text (it misses short lines on
                              plain backgrounds), read again as one block of text (--psm 6) */
} ocr_options_t;

typedef struct {
    char *text; /* UTF-8, NUL-terminated; owned */
    size_t len;
    size_t nchars;
    ocr_box_t *boxes;  /* [nchars]; owned */
    int *lines;        /* [nchars] line number of each character (−1 for separators); owned */
    int width, height; /* of the image */
    double confidence; /* mean word confidence 0–100, −1 when no words */
    double ms;         /* time tesseract took */
} ocr_result_t;

/* Recognises the image file at path. 0 with out filled (free with
 * ocr_result_free, also after an error); -1 with a reason in err for an
 * image that cannot be read (unreadable, timeout); -2 when tesseract
 * itself cannot be run (a server problem). */
int ocr_image(const char *path, const ocr_options_t *opt, ocr_result_t *out, char *err, size_t errlen);
void ocr_result_free(ocr_result_t *r); /* NULL is fine; leaves *r zeroed */

/* Parses tesseract's hOCR output into out (exposed for tests and fuzzing).
 * 0, or -1 when it is not hOCR from tesseract (no ocr_page). Free out
 * with ocr_result_free either way. */
int ocr_parse_hocr(const char *hocr, size_t len, ocr_result_t *out);

#endif
