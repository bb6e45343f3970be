-- 校真 history: a user's own checks of text and documents (the console keeps
-- them; the API only when asked with "save": true), newest first, at most
-- proofread_history_keep per user. The checked text and the findings as the
-- check answered them, so a check can be reopened and reported.
CREATE TABLE proofread_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'document')),
    title TEXT NOT NULL,          -- the file's name, or the text's first words
    file_type TEXT,               -- docx, pdf, txt, md, html (documents)
    chars BIGINT NOT NULL,        -- characters checked
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'warn', 'block')),
    finding_count BIGINT NOT NULL,
    summary TEXT NOT NULL,        -- {"sensitive":n,…} (JSON)
    body TEXT NOT NULL,           -- the text checked
    result TEXT NOT NULL,         -- {"findings":[…],"external":{…},"revision":n} (JSON)
    org_id BIGINT,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX proofread_checks_creator ON proofread_checks (created_by, id);
