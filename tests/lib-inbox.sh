# Real public-inbox v2 inboxes for the [inbox] tests (t032x), sourced
# after lib.sh: made with public-inbox-init, fed with public-inbox-mda,
# served on loopback by public-inbox-httpd.  Patch mail comes from git
# format-patch --cover-letter --thread on a repository made with git.

# need_public_inbox: a test that cannot run without public-inbox's
# tools ends here as skipped, giving the reason; under CI=true (CI
# installs them, contrib/bootstrap.sh test) it fails instead.
need_public_inbox()
{
	local tool
	for tool in public-inbox-init public-inbox-mda public-inbox-httpd; do
		command -v $tool >/dev/null 2>&1 && continue
		if [ "${CI:-}" = true ]; then
			echo "not ok 1 - no $tool (CI=true: apt-get install public-inbox)"
			echo "1..1"
			exit 1
		fi
		echo "1..0 # SKIP no $tool (apt-get install public-inbox)"
		exit 0
	done
	# public-inbox-httpd ends with the test, as cthulhud does.
	trap 'pi_httpd_stop KILL; test_cleanup' EXIT
	# public-inbox reads its config from here, never from ~/.
	PI_CONFIG=$T/pi/config
	export PI_CONFIG
	mkdir -p "$T/pi"
	git config -f "$PI_CONFIG" publicinboxmda.spamcheck none
}

# pi_init NAME: a v2 inbox NAME at $T/pi/NAME, address NAME@example.org,
# whose URL is http://127.0.0.1:$PI_PORT/NAME (pi_httpd sets PI_PORT).
pi_init()
{
	public-inbox-init -V2 "$1" "$T/pi/$1" \
		"http://127.0.0.1:${PI_PORT:-1}/$1" "$1@example.org" \
		>>"$T/pi/init.log" 2>&1
}

# pi_deliver NAME FILE...: deliver each mail to inbox NAME as an MTA
# would, in the order given.
pi_deliver()
{
	local name=$1 f
	shift
	for f in "$@"; do
		ORIGINAL_RECIPIENT=$name@example.org public-inbox-mda \
			--no-precheck <"$f" >>"$T/pi/mda.log" 2>&1 || return 1
	done
}

# pi_count NAME: how many messages inbox NAME holds (commits adding m).
pi_count()
{
	git -C "$T/pi/$1/git/0.git" rev-list --count HEAD 2>/dev/null || echo 0
}

# pi_httpd: serve every inbox on a free loopback port, in the
# background ($PI_HTTPD_PID), until pi_httpd_stop; sets PI_PORT (kept
# across a restart) and PI_URL.
pi_httpd()
{
	local try
	for try in 1 2 3 4 5 6; do
		[ -n "${PI_PORT:-}" ] && [ "$try" = 1 ] ||
			PI_PORT=$((20000 + ($$ * 17 + try * 3011 + $(date +%N | sed 's/^0*//;s/^$/0/') % 991) % 40000))
		public-inbox-httpd -W0 -l "127.0.0.1:$PI_PORT" \
			>>"$T/pi/httpd.log" 2>&1 &
		PI_HTTPD_PID=$!
		PI_URL=http://127.0.0.1:$PI_PORT
		if wait_for 10 curl -s -o /dev/null "$PI_URL/"; then
			return 0
		fi
		pi_httpd_stop
	done
	return 1
}

# pi_httpd_stop [SIGNAL]: end public-inbox-httpd (TERM, or SIGNAL).
pi_httpd_stop()
{
	[ -n "${PI_HTTPD_PID:-}" ] || return 0
	kill "-${1:-TERM}" "$PI_HTTPD_PID" 2>/dev/null
	wait "$PI_HTTPD_PID" 2>/dev/null
	PI_HTTPD_PID=
}

# make_patches DIR N SUBJECT: a repository at DIR.repo with N commits
# and their mail in DIR/ (0000-cover-letter.patch, 0001-...), a
# threaded series to kvm@example.org with cover letter; its cover's
# Message-ID in $COVER_ID.  DIR's last part names the series.
make_patches()
{
	local dir=$1 n=$2 subject=$3 i
	git init -q -b master "$dir.repo" &&
	(cd "$dir.repo" && echo base >file && git add file &&
	 git commit -q -m base &&
	 i=1 && while [ $i -le "$n" ]; do
		echo "$subject $i" >>file && git commit -q -am "$subject: step $i" ||
			exit
		i=$((i + 1))
	 done &&
	 # Message-IDs hold the committer's address and the second: one
	 # address per series keeps two series of one second apart.
	 GIT_COMMITTER_EMAIL=$(basename "$dir").$$@example.com \
	 git format-patch -q --cover-letter --thread -"$n" -o "$dir" \
		--to=kvm@example.org --subject-prefix="PATCH" &&
	 sed -i "s/\\*\\*\\* SUBJECT HERE \\*\\*\\*/$subject/" \
		"$dir/0000-cover-letter.patch") || return 1
	COVER_ID=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' \
		"$dir/0000-cover-letter.patch")
}

# make_reply FILE TO-FILE BODY: a reply to the mail TO-FILE, threaded
# under it (In-Reply-To, References), saying BODY.
make_reply()
{
	local file=$1 to=$2 body=$3 id refs subj
	id=$(sed -n 's/^Message-I[dD]: <\(.*\)>$/\1/p' "$to" | head -n 1)
	refs=$(sed -n 's/^References: //p' "$to" | head -n 1)
	subj=$(sed -n 's/^Subject: //p' "$to" | head -n 1)
	{
		echo "From: Re Viewer <reviewer@example.com>"
		echo "To: kvm@example.org"
		echo "Subject: Re: $subj"
		echo "Date: Mon, 7 Dec 2026 10:00:00 +0000"
		echo "Message-ID: <reply.$(echo "$body" | cksum | cut -d' ' -f1).$id>"
		echo "In-Reply-To: <$id>"
		echo "References: ${refs:+$refs }<$id>"
		echo
		echo "$body"
		echo
		echo "Reviewed-by: Re Viewer <reviewer@example.com>"
	} >"$file"
}
