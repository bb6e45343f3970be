-- The pinyin of an organisation's name ("pudongxinqu pdxq": full syllables,
-- then initials), so that pickers find 浦东新区 by "pudong" or "pdxq". Kept by
-- the server whenever a name is written; rows from before are filled at start.
ALTER TABLE orgs ADD COLUMN name_pinyin TEXT;
