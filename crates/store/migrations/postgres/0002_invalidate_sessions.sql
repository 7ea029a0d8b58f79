-- Challenge sessions stored before this version keep their state as loose JSON keys; from now on
-- the state is a tagged enum that cannot read them. A session lives 15 minutes at most, so they are
-- dropped: a sign-in under way when the nodes are upgraded starts again.
DELETE FROM auth_sessions;
