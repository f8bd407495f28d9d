# Café ☕ — commentaire
notify { 'héllo wörld ✓':
	message => "naïve ${hostname} ünïcode",
}
