# Übersetzung: Kopfzeile hinzufügen — ☺
file_line	{	'en-tête':
	path	=>	'/etc/nginx/sites-available/default',
	line	=>	"add_header X-Served-By ${hostname}; # café ☕",
	after	=>	'server_name _;',
}
notify { "Grüße aus ${hostname} 🎉": }
