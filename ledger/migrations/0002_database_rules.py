"""The ledger's rules, held by PostgreSQL so that no code path (a bug, a raw SQL session, a
future app) can break them:

1. A transaction's entries sum to zero per currency: a deferred constraint trigger on
   ledger_entry checks each inserted entry's transaction at commit, so a transaction built
   entry by entry passes and an unbalanced one fails (SQLSTATE 23514). A transaction row
   with no entries fails at commit the same way. (The deferred balance trigger is
   django-hordak's idea, migration 0002_check_leg_trigger.)
2. An entry's currency and workspace are its account's, and its workspace its
   transaction's: composite foreign keys onto (id, workspace_id[, currency]).
3. Append-only: UPDATE and DELETE of entries and transactions, and DELETE of accounts or
   UPDATE of what identifies one (everything but its name), raise — unless the
   transaction-local setting portfolio.ledger_purge is 'on', which only
   `ledger.purge.workspace_ledger_purge` sets, to DELETE a whole workspace's ledger.
   TRUNCATE is not blocked (the test suite's flush uses it; no application code does).
"""

from django.db import migrations

RULES = r"""
-- 1. Balanced transactions, checked at commit.
CREATE FUNCTION ledger_entry_transaction_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    off RECORD;
BEGIN
    SELECT currency, SUM(amount) AS total INTO off
      FROM ledger_entry
     WHERE transaction_id = NEW.transaction_id
     GROUP BY currency
    HAVING SUM(amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: its % entries sum to %',
            NEW.transaction_id, off.currency, off.total
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_transaction_balances();

CREATE FUNCTION ledger_transaction_has_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A transaction purged in the same database transaction has nothing left to check.
    IF EXISTS (SELECT 1 FROM ledger_transaction WHERE id = NEW.id)
       AND NOT EXISTS (SELECT 1 FROM ledger_entry WHERE transaction_id = NEW.id) THEN
        RAISE EXCEPTION 'ledger transaction % has no entries', NEW.id
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_transaction_not_empty
    AFTER INSERT ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_has_entries();

-- 2. An entry belongs to its account's currency and workspace, and to its transaction's
--    workspace; a reversal to its original's workspace.
ALTER TABLE ledger_account
    ADD CONSTRAINT ledger_account_id_workspace_currency_key UNIQUE (id, workspace_id, currency);
ALTER TABLE ledger_transaction
    ADD CONSTRAINT ledger_transaction_id_workspace_key UNIQUE (id, workspace_id);
ALTER TABLE ledger_entry
    ADD CONSTRAINT ledger_entry_account_currency_fk
    FOREIGN KEY (account_id, workspace_id, currency)
    REFERENCES ledger_account (id, workspace_id, currency);
ALTER TABLE ledger_entry
    ADD CONSTRAINT ledger_entry_transaction_workspace_fk
    FOREIGN KEY (transaction_id, workspace_id)
    REFERENCES ledger_transaction (id, workspace_id);
ALTER TABLE ledger_transaction
    ADD CONSTRAINT ledger_transaction_reverses_workspace_fk
    FOREIGN KEY (reverses_id, workspace_id)
    REFERENCES ledger_transaction (id, workspace_id);

-- 3. Append-only, except a purge.
CREATE FUNCTION ledger_purging() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('portfolio.ledger_purge', true), '') = 'on'
$$;

CREATE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND ledger_purging() THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the ledger is append-only: % of % refused (post a reversal instead)',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = '42501';
END;
$$;

CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_transaction_append_only
    BEFORE UPDATE OR DELETE ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE FUNCTION ledger_account_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF ledger_purging() THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the ledger is append-only: DELETE of ledger_account refused'
            USING ERRCODE = '42501';
    END IF;
    -- Renaming an account is fine; what identifies it is not.
    IF (NEW.id, NEW.workspace_id, NEW.code, NEW.party, NEW.currency, NEW.type)
       IS DISTINCT FROM
       (OLD.id, OLD.workspace_id, OLD.code, OLD.party, OLD.currency, OLD.type) THEN
        RAISE EXCEPTION 'the ledger is append-only: only an account''s name may change'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER ledger_account_append_only
    BEFORE UPDATE OR DELETE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_account_refuse_change();
"""

UNDO = r"""
DROP TRIGGER ledger_account_append_only ON ledger_account;
DROP FUNCTION ledger_account_refuse_change();
DROP TRIGGER ledger_transaction_append_only ON ledger_transaction;
DROP TRIGGER ledger_entry_append_only ON ledger_entry;
DROP FUNCTION ledger_refuse_change();
DROP FUNCTION ledger_purging();
ALTER TABLE ledger_transaction DROP CONSTRAINT ledger_transaction_reverses_workspace_fk;
ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_transaction_workspace_fk;
ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_account_currency_fk;
ALTER TABLE ledger_transaction DROP CONSTRAINT ledger_transaction_id_workspace_key;
ALTER TABLE ledger_account DROP CONSTRAINT ledger_account_id_workspace_currency_key;
DROP TRIGGER ledger_transaction_not_empty ON ledger_transaction;
DROP FUNCTION ledger_transaction_has_entries();
DROP TRIGGER ledger_entry_balanced ON ledger_entry;
DROP FUNCTION ledger_entry_transaction_balances();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_accounts_transactions_entries"),
    ]

    operations = [migrations.RunSQL(RULES, UNDO)]
