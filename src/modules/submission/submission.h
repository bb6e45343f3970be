/* submission.h — the grassroots submissions module (基层投稿): articles
 * (M1.1), photos (M1.2) and videos (M1.4), reviewed through the review
 * engine (modules/review/review.h) and proofread on submission. Other
 * modules see published submissions through this header only. */
#ifndef ZD_SUBMISSION_H
#define ZD_SUBMISSION_H

extern const struct zd_module submission_module;

#endif
