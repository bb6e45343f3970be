-- Whether a run of one repeated character in the text matches that character
-- once for this lexicon's words (法法轮轮功): 'default' (on for sensitive
-- lexicons), 'on' or 'off'. Typo lexicons never do (谢谢, 天天 are words).
ALTER TABLE proofread_lexicons ADD COLUMN repeats TEXT NOT NULL DEFAULT 'default';
