# nothing here
/* really */
