define vuser ($uid) {
  user { $title: uid => $uid }
}
@vuser { 'dave': uid => 2001 }
@vuser { 'erin': uid => 2002 }
realize(Vuser['dave'])
