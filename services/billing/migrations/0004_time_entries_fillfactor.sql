-- GenerateInvoice marks every billed entry of a period in one UPDATE (issue 11), so every row of a page gets a
-- new version at once, and a marked row is longer (its invoice id). At fillfactor 70 a page has room for about
-- a third of its rows' new versions: the rest moved to other pages, each with an insert into all four indexes,
-- and the table bloated. 45 leaves room for a new version of every row on its own page (HOT: no index writes).
-- Pages written from now on get it; existing ones keep theirs until rewritten (VACUUM FULL, at a quiet hour).
ALTER TABLE time_entries SET (fillfactor = 45);
