-- Whether this lexicon's words also match when written in pinyin (full
-- syllables: falungong, fa lun gong; initials: flg) or in homophones
-- (发轮功): off by default; sensitive, formulation and custom lexicons only
-- (issue 16, docs/text-engine.md § Matching by pinyin).
ALTER TABLE proofread_lexicons ADD COLUMN pinyin INTEGER NOT NULL DEFAULT 0;
