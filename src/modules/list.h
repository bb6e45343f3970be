/* list.h — the modules the server runs, in start-up order: one line each.
 * A module is its folder src/modules/<name>/ defining <name>_module, plus
 * its line here (docs/modules.md). Included twice by modules.c. */
ZD_MODULE(system)
ZD_MODULE(identity)
ZD_MODULE(proofread)
ZD_MODULE(storage)
ZD_MODULE(notify)
ZD_MODULE(review)
ZD_MODULE(submission)
ZD_MODULE(live)
ZD_MODULE(lecture)
ZD_MODULE(course)
ZD_MODULE(search)
ZD_MODULE(kb)
ZD_MODULE(grid)
