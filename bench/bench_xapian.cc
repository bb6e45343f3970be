// bench_xapian — a peer for the product's keyword search, never part of the
// product (built by CMake only when Debian's libxapian-dev is found; issue
// 15 "compare keyword latency against Xapian"; docs/benchmarks.md § Search:
// keyword search against Xapian).
//
// It indexes the SAME documents the product indexes in bench/search-eval.mjs
// with the SAME tokens: build/bench_search_tokens writes them with the
// search service's own tokenizer (search_tokenize: CJK bigrams, friso words,
// Latin words), so this compares the engines, not the segmenters. Like the
// product's SQLite FTS5 query (bm25 with the title weighted 4, the body 1,
// every term required), a document's title tokens count 4 times (wdf 4),
// its body tokens once, and a query is the AND of its terms (a single
// Chinese character a prefix: OP_WILDCARD), ranked by Xapian's BM25, top 10.
//
// Reports the index build time (documents added, one commit), the database
// size, and the query latency p50 / p95 / p99 over `passes` passes of every
// query (after one warm-up pass), in process (no HTTP: the product's figures
// are through its API, which adds the request's parsing, authentication,
// scope, highlighting and the answer's JSON — say so when comparing).
//
// Usage: build/bench_xapian DOCS.tok QUERIES.tok DBDIR [passes=20]
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

static double now_ms()
{
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

static std::string loadavg()
{
    std::ifstream f("/proc/loadavg");
    std::string s;
    std::getline(f, s);
    return s;
}

static std::vector<std::string> split(const std::string &s)
{
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s DOCS.tok QUERIES.tok DBDIR [passes]\n", argv[0]);
        return 2;
    }
    int passes = argc > 4 ? std::atoi(argv[4]) : 20;
    std::printf("bench_xapian: Xapian %s; load average at start: %s\n", Xapian::version_string(),
                loadavg().c_str());
    std::ifstream docs(argv[1]);
    if (!docs) {
        std::perror(argv[1]);
        return 1;
    }
    double t0 = now_ms(), c0 = (double)std::clock() / CLOCKS_PER_SEC;
    size_t nd = 0, ntok = 0;
    {
        Xapian::WritableDatabase db(argv[3], Xapian::DB_CREATE_OR_OVERWRITE);
        std::string line;
        while (std::getline(docs, line)) {
            size_t a = line.find('\t'), b = a == std::string::npos ? a : line.find('\t', a + 1);
            if (b == std::string::npos)
                continue;
            Xapian::Document d;
            Xapian::termpos pos = 0;
            for (const auto &w : split(line.substr(a + 1, b - a - 1)))
                d.add_posting(w, ++pos, 4); // the title: weight 4 as bm25(search_fts, 4.0, 1.0)
            pos += 100;
            for (const auto &w : split(line.substr(b + 1))) {
                d.add_posting(w, ++pos);
                ntok++;
            }
            d.set_data(line.substr(0, a));
            db.add_document(d);
            nd++;
        }
        db.commit();
    }
    double build = (now_ms() - t0) / 1000.0, cpu = (double)std::clock() / CLOCKS_PER_SEC - c0;
    Xapian::Database db(argv[3]);
    std::printf(
        "index: %zu documents (%zu body tokens) in %.2f s wall, %.2f s CPU (%.0f documents/s of wall), "
        "one commit\n",
        nd, ntok, build, cpu, nd / build);

    std::ifstream qf(argv[2]);
    std::vector<std::pair<std::string, Xapian::Query>> queries;
    for (std::string line; std::getline(qf, line);) {
        size_t a = line.find('\t');
        if (a == std::string::npos)
            continue;
        std::vector<Xapian::Query> terms;
        for (auto w : split(line.substr(a + 1))) {
            if (w.size() > 1 && w.back() == '*')
                terms.emplace_back(Xapian::Query::OP_WILDCARD, w.substr(0, w.size() - 1));
            else
                terms.emplace_back(w);
        }
        if (terms.empty())
            continue; // the product answers such a query 422 (nothing to search)
        queries.emplace_back(line.substr(0, a),
                             Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end()));
    }
    std::vector<double> lat;
    size_t hits = 0, matched = 0;
    for (int p = -1; p < passes; p++) { // pass -1: warm-up, not counted
        for (auto &q : queries) {
            double t = now_ms();
            Xapian::Enquire enq(db);
            enq.set_query(q.second);
            enq.set_weighting_scheme(Xapian::BM25Weight());
            Xapian::MSet m = enq.get_mset(0, 10);
            size_t got = 0;
            for (auto it = m.begin(); it != m.end(); ++it)
                got += it.get_document().get_data().size() > 0;
            double ms = now_ms() - t;
            if (p >= 0) {
                lat.push_back(ms);
                hits += got;
                matched += m.get_matches_estimated();
            }
        }
    }
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double f) {
        return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, (size_t)(f * lat.size()))];
    };
    std::printf("queries: %zu × %d passes, AND of the terms, BM25, top 10 (with each hit's data read): "
                "p50 %.3f ms, p95 %.3f ms, p99 %.3f ms; %.1f hits and %.0f matches (estimated) per query\n",
                queries.size(), passes, pct(0.5), pct(0.95), pct(0.99), (double)hits / lat.size(),
                (double)matched / lat.size());
    std::printf("load average at the end: %s\n", loadavg().c_str());
    return 0;
}
